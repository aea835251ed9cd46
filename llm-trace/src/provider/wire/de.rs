//! Strict deserialization helpers for response types.
//!
//! Serde's derived structs also accept a JSON array (its items taken as the
//! fields in order), so `"usage": {"tokens": [17, 10]}` would read as 17 input
//! and 10 output tokens. These helpers accept only objects (or `null`).

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A `T` read from a JSON object only.
struct Obj<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// An optional object; `null` reads as `None`.
pub(crate) fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Obj<T>>::deserialize(d)?.map(|o| o.0))
}

/// An object; `null` reads as the default.
pub(crate) fn object_or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(object(d)?.unwrap_or_default())
}

/// An array of objects; `null` reads as empty.
pub(crate) fn objects<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<Obj<T>>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|o| o.0)
        .collect())
}

/// Any value; `null` reads as the default.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    struct Counts {
        input: u64,
        output: u64,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::object")]
        usage: Option<Counts>,
        #[serde(default, deserialize_with = "super::object_or_default")]
        totals: Counts,
        #[serde(default, deserialize_with = "super::objects")]
        items: Vec<Counts>,
        #[serde(default, deserialize_with = "super::null_default")]
        name: String,
    }

    fn read(json: &str) -> Result<Body, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn objects_and_null_read() {
        let body = read(
            r#"{"usage":{"input":1,"output":2},"totals":null,"items":[{"input":3,"output":4}],"name":null}"#,
        )
        .unwrap();
        assert_eq!(
            body.usage,
            Some(Counts {
                input: 1,
                output: 2
            })
        );
        assert_eq!(body.totals, Counts::default());
        assert_eq!(
            body.items,
            [Counts {
                input: 3,
                output: 4
            }]
        );
        assert_eq!(body.name, "");
        assert_eq!(
            read(r#"{"usage":null,"items":null}"#).unwrap(),
            Body::default()
        );
    }

    #[test]
    fn arrays_in_place_of_objects_are_errors() {
        // Serde's derive alone would read `[17, 10]` as the fields in order.
        assert!(serde_json::from_str::<Counts>("[17, 10]").is_ok());
        assert!(read(r#"{"usage":[17,10]}"#).is_err());
        assert!(read(r#"{"totals":[17,10]}"#).is_err());
        assert!(read(r#"{"items":[[17,10]]}"#).is_err());
    }
}
