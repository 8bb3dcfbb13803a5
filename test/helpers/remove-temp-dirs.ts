// vitest setup file (runs in each test file): the folders of makeTempDir go when the file is done.
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dir.js';

afterAll(removeTempDirs);
