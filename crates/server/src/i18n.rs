//! The pages' languages: English and Simplified Chinese, from a message
//! catalogue in Fluent (`crates/server/i18n/{en,zh-CN}/AREA.ftl`, built into
//! the binary, one file per area of the application, every id starting with
//! its area's name).
//!
//! A request's language ([`Lang::of_request`]): `?lang=en` or `?lang=zh-CN`
//! (which also sets the `lang` cookie, the switch in every page's header),
//! else the `lang` cookie, else the first language of `Accept-Language` the
//! pages have, else English. Pages say which in `<html lang="...">`.
//!
//! A message missing from a language shows as `⟦id⟧`, never as an empty
//! string; the catalogue's tests check that both languages hold the same ids
//! and every id the code and the templates ask for, and the server's tests
//! walk the pages in both languages looking for `⟦`.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, header, request::Parts};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language of the pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

/// The name of the cookie that keeps a chosen language.
pub const COOKIE: &str = "lang";

/// The catalogue's areas: `(area, English, Chinese)`.
macro_rules! areas {
    ($($area:literal),* $(,)?) => {
        &[$((
            $area,
            include_str!(concat!("../i18n/en/", $area, ".ftl")),
            include_str!(concat!("../i18n/zh-CN/", $area, ".ftl")),
        )),*]
    };
}

pub(crate) const AREAS: &[(&str, &str, &str)] = areas![
    "common",
    "pages",
    "words",
    "case",
    "found",
    "candidate",
    "report",
    "search",
    "import",
    "register",
    "photos",
    "leads",
];

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> Bundle {
    let id = match lang {
        Lang::En => unic_langid::langid!("en"),
        Lang::ZhCn => unic_langid::langid!("zh-CN"),
    };
    let mut bundle = Bundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around placeables: they would show in
    // copied text and in the tests' comparisons; ids and numbers are not
    // right-to-left text.
    bundle.set_use_isolating(false);
    for (area, en, zh) in AREAS {
        let source = match lang {
            Lang::En => en,
            Lang::ZhCn => zh,
        };
        let resource = FluentResource::try_new((*source).to_string()).unwrap_or_else(|(_, e)| {
            panic!("i18n/{}/{area}.ftl does not parse: {e:?}", lang.tag())
        });
        if let Err(e) = bundle.add_resource(resource) {
            panic!("i18n/{}/{area}.ftl: {e:?}", lang.tag());
        }
    }
    bundle
}

static BUNDLES: LazyLock<[Bundle; 2]> = LazyLock::new(|| [bundle(Lang::En), bundle(Lang::ZhCn)]);

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// Its BCP 47 tag, as `<html lang>`, the cookie and `?lang=` say it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// A language tag's language among the pages' (`en-GB` is English; any
    /// Chinese is Simplified Chinese, the only Chinese the pages have).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header the pages have,
    /// by quality (ties in the header's order); `q=0` means "not this".
    pub fn from_accept_language(value: &str) -> Option<Lang> {
        let mut ranked: Vec<(f32, usize, Lang)> = value
            .split(',')
            .enumerate()
            .filter_map(|(i, item)| {
                let mut parts = item.split(';');
                let lang = Lang::parse(parts.next()?)?;
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, i, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|r| r.2)
    }

    /// A request's language, and whether it came from `?lang=` (the switch:
    /// the answer then sets the cookie).
    pub fn of_request(query: Option<&str>, headers: &HeaderMap) -> (Lang, bool) {
        let asked = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                (k == "lang").then(|| Lang::parse(v)).flatten()
            });
        if let Some(lang) = asked {
            return (lang, true);
        }
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| {
                let (k, v) = c.trim().split_once('=')?;
                (k == COOKIE).then(|| Lang::parse(v)).flatten()
            });
        if let Some(lang) = cookie {
            return (lang, false);
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language);
        (accept.unwrap_or_default(), false)
    }

    /// The `Set-Cookie` value that keeps this language for a year.
    pub fn cookie(self) -> String {
        format!(
            "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            self.tag()
        )
    }

    fn bundle(self) -> &'static Bundle {
        &BUNDLES[self as usize]
    }

    fn format(self, id: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return format!("⟦{id}⟧");
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if errors.is_empty() {
            text.into_owned()
        } else {
            format!("⟦{id}: {errors:?}⟧")
        }
    }

    /// A message without arguments.
    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    /// A message with named arguments, each shown as its text. A whole
    /// number written plainly (`3`, not `03` or `1,000`) goes as a number, so
    /// plural forms can select on it.
    pub fn ta(self, id: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut fa = FluentArgs::new();
        for (name, value) in args {
            let text = value.to_string();
            match text.parse::<i64>() {
                Ok(n) if n.to_string() == text => fa.set(*name, FluentValue::from(n)),
                _ => fa.set(*name, FluentValue::from(text)),
            }
        }
        self.format(id, Some(&fa))
    }

    /// A message with one argument.
    pub fn t1(self, id: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.ta(id, &[(name, &value)])
    }

    /// A message with two arguments.
    pub fn t2(
        self,
        id: &str,
        n1: &str,
        v1: impl std::fmt::Display,
        n2: &str,
        v2: impl std::fmt::Display,
    ) -> String {
        self.ta(id, &[(n1, &v1), (n2, &v2)])
    }

    /// A message with a count `$n`, as a number (for plural forms).
    pub fn tn(self, id: &str, n: i64) -> String {
        let mut fa = FluentArgs::new();
        fa.set("n", FluentValue::from(n));
        self.format(id, Some(&fa))
    }
}

/// The request's language as the guard decided it (its extension), or as
/// the request says it.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        Ok(match parts.extensions.get::<Lang>() {
            Some(lang) => *lang,
            None => Lang::of_request(parts.uri.query(), &parts.headers).0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ids(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_string()).expect("parses");
        resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                fluent_syntax::ast::Entry::Term(t) => Some(format!("-{}", t.id.name)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn both_languages_hold_the_same_ids_each_in_its_area() {
        for (area, en, zh) in AREAS {
            let (en, zh) = (ids(en), ids(zh));
            let only_en: Vec<_> = en.difference(&zh).collect();
            let only_zh: Vec<_> = zh.difference(&en).collect();
            assert!(
                only_en.is_empty() && only_zh.is_empty(),
                "{area}: only in English {only_en:?}, only in Chinese {only_zh:?}"
            );
            for id in &en {
                let bare = id.trim_start_matches('-');
                assert!(
                    bare.starts_with(&format!("{area}-")),
                    "{area}.ftl holds {id}, outside its area"
                );
            }
        }
        // Both bundles build: no parse error, no id twice.
        for lang in Lang::ALL {
            let _ = lang.bundle();
        }
    }

    /// Every id of an area the code and the templates ask for (`.t("..")`,
    /// `.t1("..`, `.t2("..`, `.ta("..`, `.tn("..`), in both languages.
    #[test]
    fn every_id_the_code_asks_for_is_in_both_languages() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut asked = BTreeSet::new();
        for dir in ["src", "templates"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("dir") {
                let path = entry.expect("entry").path();
                let text = std::fs::read_to_string(&path).expect("read");
                for call in [".t(\"", ".t1(\"", ".t2(\"", ".ta(\"", ".tn(\""] {
                    for (at, _) in text.match_indices(call) {
                        let rest = &text[at + call.len()..];
                        let id = &rest[..rest.find('"').expect("closing quote")];
                        let of_an_area = AREAS.iter().any(|(a, _, _)| {
                            id.strip_prefix(a).is_some_and(|r| r.starts_with('-'))
                        });
                        if of_an_area && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                            asked.insert((id.to_string(), path.display().to_string()));
                        }
                    }
                }
            }
        }
        assert!(asked.len() > 100, "the scan found {} ids", asked.len());
        for (id, file) in &asked {
            for lang in Lang::ALL {
                assert!(
                    lang.bundle().has_message(id),
                    "{file} asks for {id}, missing in {}",
                    lang.tag()
                );
            }
        }
    }

    #[test]
    fn plural_forms_select_on_whole_numbers_and_keep_other_text() {
        let at = "07:13";
        assert!(
            Lang::En
                .t2("pages-blocked-account", "minutes", 1, "at", at)
                .contains("in 1 minute (at 07:13 UTC)")
        );
        assert!(
            Lang::En
                .t2("pages-blocked-account", "minutes", 3, "at", at)
                .contains("in 3 minutes (at")
        );
        assert_eq!(
            Lang::ZhCn.t1("pages-not-utf8", "file", "007.csv"),
            "007.csv：文件不是 UTF-8 文本"
        );
    }

    #[test]
    fn a_missing_id_shows_as_itself_in_brackets() {
        assert_eq!(Lang::En.t("no-such-id"), "⟦no-such-id⟧");
    }

    #[test]
    fn the_language_comes_from_the_switch_the_cookie_then_accept_language() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::of_request(None, &h), (Lang::En, false));
        h.insert(
            header::ACCEPT_LANGUAGE,
            "fr-FR, zh-TW;q=0.8, en;q=0.7".parse().unwrap(),
        );
        assert_eq!(Lang::of_request(None, &h), (Lang::ZhCn, false));
        h.insert(header::ACCEPT_LANGUAGE, "zh;q=0.5, en-GB".parse().unwrap());
        assert_eq!(Lang::of_request(None, &h), (Lang::En, false));
        h.insert(
            header::ACCEPT_LANGUAGE,
            "en;q=0, zh-CN;q=0.1".parse().unwrap(),
        );
        assert_eq!(Lang::of_request(None, &h), (Lang::ZhCn, false));
        h.insert(header::COOKIE, "session=x; lang=en".parse().unwrap());
        assert_eq!(Lang::of_request(None, &h), (Lang::En, false));
        assert_eq!(
            Lang::of_request(Some("a=1&lang=zh-CN"), &h),
            (Lang::ZhCn, true)
        );
        // An unknown language is ignored, not an error.
        assert_eq!(Lang::of_request(Some("lang=xx"), &h), (Lang::En, false));
    }
}
