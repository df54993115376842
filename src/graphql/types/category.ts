import { type AnyColumn, sql } from "drizzle-orm";
import { selectRows } from "../../db/client.ts";
import { builder } from "../builder.ts";

/** Categories compare case-insensitively; `lower(category)` is indexed (comparisons_category_lower). */
export function sameCategory(column: AnyColumn, category: string) {
  return sql`lower(${column}) = lower(${category})`;
}

interface CategoryShape {
  name: string;
  count: number;
}

export const Category = builder.objectRef<CategoryShape>("Category").implement({
  description:
    "A category of comparisons. Categories that differ only in case are one category, named by the spelling most of its pages use.",
  fields: (t) => ({
    name: t.exposeString("name", {
      description:
        "The category as pages write it; of several spellings, the most used (then the first in byte order).",
    }),
    count: t.exposeInt("count", { description: "How many comparisons have this category." }),
  }),
});

builder.queryFields((t) => ({
  categories: t.field({
    type: [Category],
    description:
      "Every category with how many comparisons it has, ordered by name case-insensitively (then byte order). One statement; there are far fewer categories than comparisons, so the list is not paged.",
    resolve: (_root, _args, ctx) =>
      selectRows<CategoryShape>(
        ctx.db,
        sql`
          SELECT g.name, g.count FROM (
            SELECT (array_agg(s.category ORDER BY s.n DESC, s.category COLLATE "C"))[1] AS name,
                   sum(s.n)::int AS count
            FROM (SELECT category, count(*) AS n FROM comparisons GROUP BY category) AS s
            GROUP BY lower(s.category)
          ) AS g
          ORDER BY lower(g.name) COLLATE "C", g.name COLLATE "C"
        `,
      ),
  }),
}));
