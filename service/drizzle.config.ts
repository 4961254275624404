// drizzle-kit configuration; paths are relative to the repository root, where npm scripts run:
//   npx drizzle-kit generate --config service/drizzle.config.ts
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './service/src/db/schema.ts',
  out: './service/drizzle',
});
