//! packet.json: the packet model itself, pretty-printed (its long lists
//! made beforehand, `model/json.rs`). Its schema is
//! `schemas/packet.schema.json`.

use super::{Output, RenderError, Renderer};
use crate::model::Packet;

pub struct JsonRenderer;

impl Renderer for JsonRenderer {
    fn name(&self) -> &'static str {
        "json"
    }

    fn render(&self, packet: &Packet, out: &dyn Output) -> Result<(), RenderError> {
        Ok(crate::model::json::with_pieces(packet, |pieces| {
            out.put_pieces("packet.json", None, pieces)
        })??)
    }
}
