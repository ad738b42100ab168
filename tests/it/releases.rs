//! releases
