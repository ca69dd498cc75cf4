// One waitFor for all tests: the one plugin authors get from @mmsd/core/testing.
export { waitFor } from '@mmsd/core/testing';
