//! A JSON Schema compiled into an arena of nodes, and a compact binary encoding of it.
//!
//! `build.rs` compiles the embedded schemas and writes their encoding, so a process decodes a
//! few kilobytes instead of parsing and walking the JSON documents on every start. This file
//! depends on `serde_json` only, because `build.rs` includes it as well.

use std::collections::HashMap;

use serde_json::Value as Json;

/// One schema object; indices point into [`Compiled::nodes`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SchemaNode {
    /// A boolean schema (`true` accepts everything, `false` nothing).
    pub boolean: Option<bool>,
    pub reference: Option<u32>,
    pub types: Vec<String>,
    pub enum_values: Option<Vec<Json>>,
    pub const_value: Option<Json>,
    pub all_of: Vec<u32>,
    pub any_of: Vec<u32>,
    pub one_of: Vec<u32>,
    pub not: Option<u32>,
    pub if_: Option<u32>,
    pub then_: Option<u32>,
    pub else_: Option<u32>,
    /// Sorted by key.
    pub properties: Vec<(String, u32)>,
    pub pattern_properties: Vec<(String, u32)>,
    pub additional: Option<u32>,
    pub required: Vec<String>,
    pub property_names: Option<u32>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub items: Option<u32>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
    pub format: Option<String>,
    pub minimum: Option<Json>,
    pub maximum: Option<Json>,
    pub exclusive_minimum: Option<Json>,
    pub exclusive_maximum: Option<Json>,
}

impl SchemaNode {
    pub fn property(&self, key: &str) -> Option<u32> {
        self.properties
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.properties[i].1)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compiled {
    pub nodes: Vec<SchemaNode>,
    pub root: u32,
}

struct Compiler<'a> {
    document: &'a Json,
    nodes: Vec<SchemaNode>,
    refs: HashMap<String, u32>,
}

fn index(i: usize) -> Result<u32, String> {
    u32::try_from(i).map_err(|_| "schema too large".to_string())
}

impl Compiler<'_> {
    fn reference(&mut self, reference: &str) -> Result<u32, String> {
        if let Some(&i) = self.refs.get(reference) {
            return Ok(i);
        }
        let pointer = reference
            .strip_prefix('#')
            .ok_or_else(|| format!("only local references are supported: `{reference}`"))?;
        let target = self
            .document
            .pointer(pointer)
            .ok_or_else(|| format!("`{reference}` points at nothing"))?;
        let slot = index(self.nodes.len())?;
        self.nodes.push(SchemaNode::default());
        self.refs.insert(reference.to_string(), slot);
        let node = self.build(target)?;
        self.nodes[slot as usize] = node;
        Ok(slot)
    }

    fn node(&mut self, schema: &Json) -> Result<u32, String> {
        let node = self.build(schema)?;
        let i = index(self.nodes.len())?;
        self.nodes.push(node);
        Ok(i)
    }

    fn list(&mut self, schema: Option<&Json>) -> Result<Vec<u32>, String> {
        match schema.and_then(Json::as_array) {
            Some(items) => items.iter().map(|s| self.node(s)).collect(),
            None => Ok(Vec::new()),
        }
    }

    fn opt(&mut self, schema: Option<&Json>) -> Result<Option<u32>, String> {
        schema.map(|s| self.node(s)).transpose()
    }

    fn map(&mut self, schema: Option<&Json>) -> Result<Vec<(String, u32)>, String> {
        let mut out = Vec::new();
        if let Some(obj) = schema.and_then(Json::as_object) {
            for (k, s) in obj {
                out.push((k.clone(), self.node(s)?));
            }
        }
        Ok(out)
    }

    fn build(&mut self, schema: &Json) -> Result<SchemaNode, String> {
        let obj = match schema {
            Json::Bool(b) => {
                return Ok(SchemaNode {
                    boolean: Some(*b),
                    ..SchemaNode::default()
                });
            }
            Json::Object(obj) => obj,
            _ => return Ok(SchemaNode::default()),
        };
        let u64_of = |k: &str| obj.get(k).and_then(Json::as_u64);
        let mut n = SchemaNode {
            types: match obj.get("type") {
                Some(Json::String(t)) => vec![t.clone()],
                Some(Json::Array(ts)) => ts
                    .iter()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            },
            enum_values: obj.get("enum").and_then(Json::as_array).cloned(),
            const_value: obj.get("const").cloned(),
            required: obj
                .get("required")
                .and_then(Json::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Json::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            min_properties: u64_of("minProperties"),
            max_properties: u64_of("maxProperties"),
            min_items: u64_of("minItems"),
            max_items: u64_of("maxItems"),
            unique_items: obj.get("uniqueItems") == Some(&Json::Bool(true)),
            min_length: u64_of("minLength"),
            max_length: u64_of("maxLength"),
            pattern: obj
                .get("pattern")
                .and_then(Json::as_str)
                .map(str::to_string),
            format: obj.get("format").and_then(Json::as_str).map(str::to_string),
            minimum: obj.get("minimum").filter(|v| v.is_number()).cloned(),
            maximum: obj.get("maximum").filter(|v| v.is_number()).cloned(),
            exclusive_minimum: obj
                .get("exclusiveMinimum")
                .filter(|v| v.is_number())
                .cloned(),
            exclusive_maximum: obj
                .get("exclusiveMaximum")
                .filter(|v| v.is_number())
                .cloned(),
            ..SchemaNode::default()
        };
        if let Some(r) = obj.get("$ref").and_then(Json::as_str) {
            n.reference = Some(self.reference(r)?);
        }
        n.all_of = self.list(obj.get("allOf"))?;
        n.any_of = self.list(obj.get("anyOf"))?;
        n.one_of = self.list(obj.get("oneOf"))?;
        n.not = self.opt(obj.get("not"))?;
        n.if_ = self.opt(obj.get("if"))?;
        n.then_ = self.opt(obj.get("then"))?;
        n.else_ = self.opt(obj.get("else"))?;
        n.properties = self.map(obj.get("properties"))?;
        n.properties.sort_by(|a, b| a.0.cmp(&b.0));
        n.pattern_properties = self.map(obj.get("patternProperties"))?;
        n.additional = self.opt(obj.get("additionalProperties"))?;
        n.property_names = self.opt(obj.get("propertyNames"))?;
        n.items = self.opt(obj.get("items"))?;
        Ok(n)
    }
}

pub fn compile(document: &Json) -> Result<Compiled, String> {
    let mut c = Compiler {
        document,
        nodes: Vec::new(),
        refs: HashMap::new(),
    };
    let root = c.node(document)?;
    Ok(Compiled {
        nodes: c.nodes,
        root,
    })
}

// ---- encoding: little-endian lengths, UTF-8 strings, JSON text for literal values ----

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt_u32(&mut self, v: Option<u32>) {
        self.u32(v.map_or(u32::MAX, |x| x));
    }
    fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            Some(x) => {
                self.0.push(1);
                self.0.extend_from_slice(&x.to_le_bytes());
            }
            None => self.0.push(0),
        }
    }
    fn opt_str(&mut self, v: Option<&str>) {
        match v {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
    fn opt_json(&mut self, v: Option<&Json>) {
        self.opt_str(v.map(Json::to_string).as_deref());
    }
    fn ids(&mut self, v: &[u32]) {
        self.len(v.len());
        v.iter().for_each(|&x| self.u32(x));
    }
    fn named(&mut self, v: &[(String, u32)]) {
        self.len(v.len());
        for (k, i) in v {
            self.str(k);
            self.u32(*i);
        }
    }
    fn strs(&mut self, v: &[String]) {
        self.len(v.len());
        v.iter().for_each(|s| self.str(s));
    }
}

pub fn encode(c: &Compiled) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.u32(c.root);
    w.len(c.nodes.len());
    for n in &c.nodes {
        w.0.push(match n.boolean {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
        w.opt_u32(n.reference);
        w.strs(&n.types);
        match &n.enum_values {
            Some(values) => {
                w.0.push(1);
                w.len(values.len());
                values.iter().for_each(|v| w.str(&v.to_string()));
            }
            None => w.0.push(0),
        }
        w.opt_json(n.const_value.as_ref());
        w.ids(&n.all_of);
        w.ids(&n.any_of);
        w.ids(&n.one_of);
        for v in [n.not, n.if_, n.then_, n.else_] {
            w.opt_u32(v);
        }
        w.named(&n.properties);
        w.named(&n.pattern_properties);
        w.opt_u32(n.additional);
        w.strs(&n.required);
        w.opt_u32(n.property_names);
        for v in [n.min_properties, n.max_properties] {
            w.opt_u64(v);
        }
        w.opt_u32(n.items);
        for v in [n.min_items, n.max_items] {
            w.opt_u64(v);
        }
        w.0.push(u8::from(n.unique_items));
        for v in [n.min_length, n.max_length] {
            w.opt_u64(v);
        }
        w.opt_str(n.pattern.as_deref());
        w.opt_str(n.format.as_deref());
        for v in [
            &n.minimum,
            &n.maximum,
            &n.exclusive_minimum,
            &n.exclusive_maximum,
        ] {
            w.opt_json(v.as_ref());
        }
    }
    w.0
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or("truncated schema")?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn len(&mut self) -> Result<usize, String> {
        Ok(self.u32()? as usize)
    }
    fn str(&mut self) -> Result<String, String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|e| e.to_string())
    }
    fn opt_u32(&mut self) -> Result<Option<u32>, String> {
        let v = self.u32()?;
        Ok((v != u32::MAX).then_some(v))
    }
    fn opt_u64(&mut self) -> Result<Option<u64>, String> {
        if self.byte()? == 0 {
            return Ok(None);
        }
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(Some(u64::from_le_bytes(a)))
    }
    fn opt_str(&mut self) -> Result<Option<String>, String> {
        if self.byte()? == 0 {
            Ok(None)
        } else {
            self.str().map(Some)
        }
    }
    fn opt_json(&mut self) -> Result<Option<Json>, String> {
        self.opt_str()?
            .map(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
            .transpose()
    }
    fn ids(&mut self) -> Result<Vec<u32>, String> {
        let n = self.len()?;
        (0..n).map(|_| self.u32()).collect()
    }
    fn named(&mut self) -> Result<Vec<(String, u32)>, String> {
        let n = self.len()?;
        (0..n).map(|_| Ok((self.str()?, self.u32()?))).collect()
    }
    fn strs(&mut self) -> Result<Vec<String>, String> {
        let n = self.len()?;
        (0..n).map(|_| self.str()).collect()
    }
}

pub fn decode(bytes: &[u8]) -> Result<Compiled, String> {
    let mut r = Reader { bytes, at: 0 };
    let root = r.u32()?;
    let count = r.len()?;
    let mut nodes = Vec::with_capacity(count.min(1 << 16));
    for _ in 0..count {
        let boolean = match r.byte()? {
            0 => None,
            1 => Some(false),
            _ => Some(true),
        };
        let reference = r.opt_u32()?;
        let types = r.strs()?;
        let enum_values = if r.byte()? == 0 {
            None
        } else {
            let n = r.len()?;
            Some(
                (0..n)
                    .map(|_| {
                        r.str()
                            .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            )
        };
        let const_value = r.opt_json()?;
        let all_of = r.ids()?;
        let any_of = r.ids()?;
        let one_of = r.ids()?;
        let (not, if_, then_, else_) = (r.opt_u32()?, r.opt_u32()?, r.opt_u32()?, r.opt_u32()?);
        let properties = r.named()?;
        let pattern_properties = r.named()?;
        let additional = r.opt_u32()?;
        let required = r.strs()?;
        let property_names = r.opt_u32()?;
        let (min_properties, max_properties) = (r.opt_u64()?, r.opt_u64()?);
        let items = r.opt_u32()?;
        let (min_items, max_items) = (r.opt_u64()?, r.opt_u64()?);
        let unique_items = r.byte()? != 0;
        let (min_length, max_length) = (r.opt_u64()?, r.opt_u64()?);
        let pattern = r.opt_str()?;
        let format = r.opt_str()?;
        let (minimum, maximum) = (r.opt_json()?, r.opt_json()?);
        let (exclusive_minimum, exclusive_maximum) = (r.opt_json()?, r.opt_json()?);
        nodes.push(SchemaNode {
            boolean,
            reference,
            types,
            enum_values,
            const_value,
            all_of,
            any_of,
            one_of,
            not,
            if_,
            then_,
            else_,
            properties,
            pattern_properties,
            additional,
            required,
            property_names,
            min_properties,
            max_properties,
            items,
            min_items,
            max_items,
            unique_items,
            min_length,
            max_length,
            pattern,
            format,
            minimum,
            maximum,
            exclusive_minimum,
            exclusive_maximum,
        });
    }
    if root as usize >= nodes.len() || nodes.iter().any(|n| out_of_range(n, nodes.len())) {
        return Err("schema encoding refers to a missing node".into());
    }
    Ok(Compiled { nodes, root })
}

fn out_of_range(n: &SchemaNode, len: usize) -> bool {
    let ids = n
        .all_of
        .iter()
        .chain(&n.any_of)
        .chain(&n.one_of)
        .copied()
        .chain(
            [
                n.reference,
                n.not,
                n.if_,
                n.then_,
                n.else_,
                n.additional,
                n.property_names,
                n.items,
            ]
            .into_iter()
            .flatten(),
        )
        .chain(
            n.properties
                .iter()
                .chain(&n.pattern_properties)
                .map(|(_, i)| *i),
        );
    ids.into_iter().any(|i| i as usize >= len)
}
