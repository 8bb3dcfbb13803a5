/** Types of lua-tables.mjs, for the TypeScript tests. */
export declare const LUA_BLOCK_BEGIN: string;
export declare const LUA_BLOCK_END: string;
export declare function renderLuaTables(): string;
export declare function extractLuaTables(lua: string): string | undefined;
export declare function replaceLuaTables(lua: string): string;
