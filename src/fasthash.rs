//! The hash map of the hot paths: ids and paths looked up hundreds of
//! thousands of times a build. foldhash is several times faster than std's
//! SipHash on short keys and, like it, seeded per process, so evidence
//! cannot choose colliding ids in advance. Iteration order is random
//! either way: what is written out is sorted first.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
