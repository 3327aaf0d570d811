import { importUnitTests } from './import-unit-tests.js';

await importUnitTests(1, 2);
