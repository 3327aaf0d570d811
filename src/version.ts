import { readFileSync } from 'node:fs';
import { packageFile } from './package-file.js';

/** This tool's name and version, from package.json (recorded in every manifest). */
export const toolVersion: { readonly name: string; readonly version: string } = (() => {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  return { name: pkg.name, version: pkg.version };
})();
