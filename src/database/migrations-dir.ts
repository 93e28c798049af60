import path from 'node:path';

// src/database (vitest) and dist/database (after tsc) both sit two levels below the project root.
export const DEFAULT_MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'prisma', 'migrations');
