// Where the committed migrations are, found from this file's location. This module sits directly in src/,
// and the bundles sit directly in dist/: both are siblings of drizzle/, in the repository and in the image.
import { fileURLToPath } from 'node:url';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../drizzle', import.meta.url));
