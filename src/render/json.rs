//! packet.json: the packet model itself, pretty-printed. Its schema is
//! `schemas/packet.schema.json`.

use super::{Output, Renderer};
use crate::model::Packet;

pub struct JsonRenderer;

impl Renderer for JsonRenderer {
    fn name(&self) -> &'static str {
        "json"
    }

    fn render(&self, packet: &Packet, out: &dyn Output) -> Result<(), String> {
        let mut bytes = serde_json::to_vec_pretty(packet).map_err(|e| e.to_string())?;
        bytes.push(b'\n');
        out.put("packet.json", bytes)
    }
}
