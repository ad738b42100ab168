//! packet.json: the packet model itself, pretty-printed. Its schema is
//! `schemas/packet.schema.json`.

use super::{Output, RenderError, Renderer};
use crate::model::Packet;

pub struct JsonRenderer;

impl Renderer for JsonRenderer {
    fn name(&self) -> &'static str {
        "json"
    }

    fn render(&self, packet: &Packet, out: &dyn Output) -> Result<(), RenderError> {
        let mut bytes = serde_json::to_vec_pretty(packet)?;
        bytes.push(b'\n');
        Ok(out.put("packet.json", bytes)?)
    }
}
