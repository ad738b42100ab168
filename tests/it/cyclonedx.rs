//! cyclonedx
