//! The JSON Schema of the scenario format, generated from the reader's own tables of keys
//! ([`super::keys`]).
//!
//! Editors use it for completion, hover text and inline errors: VS Code's Even Better TOML (taplo)
//! reads a `#:schema` directive at the top of a TOML file (see `docs/scenario-format.md`). The
//! repository ships the generated text as `schema/leversim-scenario.schema.json`; a test fails
//! when the shipped file differs from [`json_schema_text`] and says how to regenerate it.
//!
//! The schema checks what JSON Schema can say: key names, types, the words a key accepts and the
//! spelling of months. Distribution forms, bounds and formulas are left to `leversim validate`,
//! whose messages carry the line, the column and a hint.

use serde_json::{Map, Value, json};

use super::keys::{self, Table, Ty};

/// The schema's `$id`: its path in the repository, which is where `#:schema` directives point.
pub const SCHEMA_PATH: &str = "schema/leversim-scenario.schema.json";

/// The JSON Schema (draft-07) of a scenario file.
pub fn json_schema() -> Value {
    let mut root = table(&keys::ROOT);
    if let Value::Object(map) = &mut root {
        map.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-07/schema#"),
        );
        map.insert("title".into(), json!("leversim scenario"));
    }
    root
}

/// [`json_schema`] as the text shipped in the repository: pretty-printed, keys sorted, with a
/// final newline.
pub fn json_schema_text() -> String {
    // serde_json's map keeps keys sorted, so the text is the same on every build.
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

fn table(t: &Table) -> Value {
    let mut properties = Map::new();
    for key in t.keys {
        let mut schema = ty(key.ty);
        if let Value::Object(map) = &mut schema {
            map.insert("description".into(), json!(key.doc));
        }
        properties.insert(key.name.into(), schema);
    }
    json!({
        "type": "object",
        "description": t.doc,
        "properties": properties,
        "additionalProperties": false,
    })
}

fn ty(ty: Ty) -> Value {
    match ty {
        Ty::Text => json!({ "type": "string" }),
        Ty::Word(words) => json!({ "type": "string", "enum": words }),
        Ty::Words(words) => json!({ "type": "string", "enum": words() }),
        Ty::Month => month(),
        Ty::Number => json!({ "type": "number" }),
        Ty::Whole => json!({ "type": "integer", "minimum": 0 }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Formula => json!({ "type": ["string", "number"] }),
        Ty::Pair => json!({
            "type": "array",
            "items": { "type": "number" },
            "minItems": 2,
            "maxItems": 2,
        }),
        Ty::Names => json!({ "type": "array", "items": { "type": "string" } }),
        Ty::Schedule => json!({
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "array",
                "items": [month(), { "type": "number" }],
                "minItems": 2,
                "maxItems": 2,
            },
        }),
        Ty::Table(t) => table(t),
        Ty::Map(value) => json!({ "type": "object", "additionalProperties": self::ty(*value) }),
        Ty::List(t) => json!({ "type": "array", "items": table(t) }),
        Ty::Either(forms) => {
            let forms: Vec<Value> = forms.iter().map(|f| self::ty(*f)).collect();
            json!({ "anyOf": forms })
        }
    }
}

fn month() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::diag::Code;
    use crate::scenario::load_str;

    /// A value of type `ty` with every key of every table it contains, for the document below.
    fn sample(ty: Ty) -> toml::Value {
        use toml::Value as V;
        match ty {
            Ty::Text => V::String("x".into()),
            Ty::Word(words) => V::String(words[0].into()),
            Ty::Words(words) => V::String(words()[0].into()),
            Ty::Month => V::String("2024-01".into()),
            Ty::Number | Ty::Whole => V::Integer(1),
            Ty::Bool => V::Boolean(true),
            Ty::Formula => V::String("1".into()),
            Ty::Pair => V::Array(vec![V::Integer(0), V::Integer(1)]),
            Ty::Names => V::Array(vec![V::String("x".into())]),
            Ty::Schedule => V::Array(vec![V::Array(vec![
                V::String("2024-01".into()),
                V::Integer(1),
            ])]),
            Ty::Table(t) => full_table(t),
            Ty::Map(value) => {
                let mut map = toml::Table::new();
                map.insert("x".into(), sample(*value));
                V::Table(map)
            }
            Ty::List(t) => V::Array(vec![full_table(t)]),
            // The table form, which has keys to check; the last form is always the table.
            Ty::Either(forms) => sample(forms[forms.len() - 1]),
        }
    }

    fn full_table(t: &Table) -> toml::Value {
        let mut map = toml::Table::new();
        for key in t.keys {
            // `extends` would make the loader look for a file.
            if key.name != "extends" {
                map.insert(key.name.into(), sample(key.ty));
            }
        }
        toml::Value::Table(map)
    }

    /// Every key the tables list is one the reader accepts where the tables put it: together
    /// with the reader's debug assertion (every key read is listed), the tables and so the
    /// schema cannot drift from the reader.
    #[test]
    fn the_reader_accepts_every_key_the_tables_list() {
        let doc = toml::to_string(&full_table(&keys::ROOT)).unwrap();
        let loaded = load_str("every-key.toml", &doc);
        let unknown: Vec<&str> = loaded
            .diags
            .iter()
            .filter(|d| d.code == Code::UnknownKey)
            .map(|d| d.message.as_str())
            .collect();
        assert!(unknown.is_empty(), "{unknown:#?}\n{doc}");
        // The document did reach every table: each sample key is in it.
        for section in ["params", "bundles", "observations", "charts"] {
            assert!(doc.contains(section), "{section} missing from\n{doc}");
        }
        assert!(doc.contains("error_factor") && doc.contains("schedule"));
    }

    #[test]
    fn schema_describes_the_tables() {
        let schema = json_schema();
        let params = &schema["properties"]["params"]["additionalProperties"]["anyOf"];
        let param = &params[1]["properties"];
        assert_eq!(param["p05"]["type"], "number");
        let dists = param["dist"]["enum"].as_array().unwrap();
        assert!(dists.iter().any(|d| d == "lognormal"));
        let kinds = &schema["properties"]["outcomes"]["additionalProperties"]["properties"]["kind"];
        assert!(kinds["enum"].as_array().unwrap().iter().any(|k| k == "max"));
        assert_eq!(schema["additionalProperties"], false);
        assert!(json_schema_text().ends_with("}\n"));
    }
}
