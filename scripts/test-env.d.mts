export declare const PG_URL: string
export declare function postgresReachable(url?: string): Promise<boolean>
export declare function findChromium(): string | null
