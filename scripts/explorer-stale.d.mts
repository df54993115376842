export declare const EXPLORER_OUT: string;
export declare function explorerIsStale(outdir?: string): Promise<boolean>;
