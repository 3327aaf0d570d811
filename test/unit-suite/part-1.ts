import { importUnitTests } from './import-unit-tests.js';

await importUnitTests(0, 2);
