//! packet.json: the packet model itself, pretty-printed, written as its
//! long lists are serialized (`model/json.rs`). Its schema is
//! `schemas/packet.schema.json`. It is written before the other renderers
//! start: the site keys its pages by the digests of packet.json's elements.

use super::{Output, OutputError, RenderError};
use crate::model::json::JsonParts;
use crate::model::Packet;

/// Write packet.json into `out`; the digests of its long lists' elements.
pub fn write(packet: &Packet, out: &dyn Output) -> Result<JsonParts, RenderError> {
    let mut file = out.create("packet.json")?;
    let parts = crate::model::json::write_to(packet, &mut file).map_err(|e| OutputError::Io {
        action: "write",
        path: "packet.json".into(),
        reason: e.to_string(),
    })?;
    file.finish()?;
    Ok(parts)
}
