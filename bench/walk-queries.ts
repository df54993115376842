/**
 * The read documents `npm run bench -- walk` sends, and the floor's hand-written statement that
 * answers the deep walk with the same JSON. Shared by the bench and the floor server.
 */

/** The README's DeepWalk with the slug as a variable: the request front ends send most. */
export const DEEP_WALK = `query DeepWalk($slug: String!) {
  comparison(slug: $slug) {
    title
    verdict {
      pick { name }
      bottomLine
      conditions { option { name } useIf }
    }
    options {
      name
      isPick
      pros
      cons
      relatedTopics { slug }
    }
    topics {
      slug
      comparisons(first: 5) {
        totalCount
        nodes {
          title
          verdict { pick { name } bottomLine }
        }
      }
    }
  }
}`;

/** A topic page: the topic, its strongest related topics and its comparisons with their picks. */
export const TOPIC_PAGE = `query TopicPage($slug: String!) {
  topic(slug: $slug) {
    slug
    name
    summary
    related(first: 10) { totalCount edges { kind weight node { slug name } } }
    comparisons(first: 10) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { slug title verdict { pick { name } } }
    }
  }
}`;

export const NEIGHBORHOOD = `query Neighborhood($slug: String!) {
  topic(slug: $slug) {
    neighborhood(depth: 2) {
      truncated
      nodes { depth topic { slug name } }
      edges { from { slug } to { slug } kind weight }
    }
  }
}`;

const pickName = (comparison: string, alias: string) =>
  `(SELECT json_build_object('name', ${alias}.name) FROM options ${alias} WHERE ${alias}.id = ${comparison}.pick_option_id)`;

/**
 * The floor: one hand-written statement that returns DEEP_WALK's whole answer as JSON text. It
 * reads the tables every version of pickgraph has (no read model of ours), so it is the same
 * statement before and after any change to pickgraph.
 */
export const FLOOR_DEEP_WALK_SQL = `
SELECT json_build_object('data', json_build_object('comparison', (
  SELECT json_build_object(
    'title', c.title,
    'verdict', json_build_object(
      'pick', ${pickName("c", "p")},
      'bottomLine', c.bottom_line,
      'conditions', (
        SELECT coalesce(json_agg(json_build_object(
          'option', json_build_object('name', o.name), 'useIf', o.use_if) ORDER BY o.position), '[]')
        FROM options o WHERE o.comparison_id = c.id AND o.use_if IS NOT NULL)),
    'options', (
      SELECT coalesce(json_agg(json_build_object(
        'name', o.name,
        'isPick', o.id IS NOT DISTINCT FROM c.pick_option_id,
        'pros', o.pros,
        'cons', o.cons,
        'relatedTopics', (
          SELECT coalesce(json_agg(json_build_object('slug', t.slug) ORDER BY ot.position), '[]')
          FROM option_tags ot JOIN topics t ON t.id = ot.topic_id WHERE ot.option_id = o.id)
      ) ORDER BY o.position), '[]')
      FROM options o WHERE o.comparison_id = c.id),
    'topics', (
      SELECT coalesce(json_agg(json_build_object(
        'slug', t.slug,
        'comparisons', json_build_object(
          'totalCount', (SELECT count(*) FROM topic_comparisons tc WHERE tc.topic_id = t.id),
          'nodes', (
            SELECT coalesce(json_agg(json_build_object(
              'title', n.title,
              'verdict', json_build_object('pick', ${pickName("n", "np")}, 'bottomLine', n.bottom_line)
            ) ORDER BY n.slug), '[]')
            FROM (
              SELECT c2.* FROM comparisons c2
              WHERE c2.id IN (SELECT tc.comparison_id FROM topic_comparisons tc WHERE tc.topic_id = t.id)
              ORDER BY c2.slug LIMIT 5) n))
      ) ORDER BY x.option_position, x.tag_position), '[]')
      FROM (
        SELECT DISTINCT ON (ot.topic_id) ot.topic_id, o.position AS option_position, ot.position AS tag_position
        FROM options o JOIN option_tags ot ON ot.option_id = o.id
        WHERE o.comparison_id = c.id
        ORDER BY ot.topic_id, o.position, ot.position) x
      JOIN topics t ON t.id = x.topic_id)
  )
  FROM comparisons c WHERE c.slug = $1)))::text AS body`;
