// One tempDir for all tests: the one plugin authors get from @mmsd/core/testing.
export { tempDir } from '@mmsd/core/testing';
