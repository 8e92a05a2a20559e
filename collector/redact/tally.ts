/** A running count of replacements, passed down the walk instead of returning tuples from every level. */
export interface Tally {
  count: number;
}
