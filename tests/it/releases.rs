//! Releases over time: `release.previous`, suspect links, `relpack diff`, `relpack verify`.
