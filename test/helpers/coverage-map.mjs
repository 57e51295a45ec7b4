// Placeholder until the coverage policy is rewritten below.
export default () => null;
