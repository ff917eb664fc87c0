//! The language of a scenario's human text: names, places, institutions and
//! descriptions, in English (made-up names and towns, the default) or in
//! Simplified Chinese (Chinese names, real places with their approximate
//! coordinates).
//!
//! Whatever the locale, a scenario's stream of facts draws what the English
//! scenario draws: every choice of a word draws the English choice from it,
//! and a locale of its own words then chooses them from a stream of its own.
//! So the same seed gives the same ids, sexes, dates, ages, genotypes and
//! truth in every locale; only the words and the coordinates differ.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use kinship::{Relative, Sex};
use rand::{Rng, RngExt};
use rand_chacha::ChaCha8Rng;

use crate::english::{
    CASE_DESCRIPTIONS, FEMALE_NAMES, FOUND_DESCRIPTIONS, INSTITUTIONS, MALE_NAMES, SURNAMES, TOWNS,
    Town, distance_km, stream,
};

/// The language of a scenario's names, places, institutions and descriptions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    /// English: made-up names (`Leila Halvorsk`) and towns with invented
    /// coordinates.
    #[default]
    En,
    /// Simplified Chinese: surname and given name without a space (`王小明`),
    /// real cities, counties and towns with their approximate coordinates,
    /// welfare institutions of the city where a child was found.
    ZhCn,
}

impl Locale {
    /// Every locale.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// Its code: `en`, `zh-CN`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A locale code that is none of [`Locale::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown locale {0:?}: a scenario is written in en (the default) or zh-CN")]
pub struct UnknownLocale(pub String);

impl FromStr for Locale {
    type Err = UnknownLocale;

    /// `en` or `zh-CN` (letters in either case).
    fn from_str(code: &str) -> Result<Locale, UnknownLocale> {
        Locale::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code))
            .ok_or_else(|| UnknownLocale(code.to_string()))
    }
}

/// The word lists of a locale.
pub(crate) struct Vocabulary {
    pub(crate) towns: &'static [Town],
    /// English: whole names; Chinese: kinds of institution, after the city's name.
    pub(crate) institutions: &'static [&'static str],
    /// Given names of children (the missing child, its siblings).
    pub(crate) girls: &'static [&'static str],
    pub(crate) boys: &'static [&'static str],
    /// Given names of their parents' and grandparents' generations.
    pub(crate) women: &'static [&'static str],
    pub(crate) men: &'static [&'static str],
    pub(crate) surnames: &'static [&'static str],
    pub(crate) case_descriptions: &'static [&'static str],
    pub(crate) found_descriptions: &'static [&'static str],
}

pub(crate) const ENGLISH: Vocabulary = Vocabulary {
    towns: TOWNS,
    institutions: INSTITUTIONS,
    girls: FEMALE_NAMES,
    boys: MALE_NAMES,
    women: FEMALE_NAMES,
    men: MALE_NAMES,
    surnames: SURNAMES,
    case_descriptions: CASE_DESCRIPTIONS,
    found_descriptions: FOUND_DESCRIPTIONS,
};

pub(crate) const CHINESE: Vocabulary = Vocabulary {
    towns: ZH_TOWNS,
    institutions: ZH_INSTITUTIONS,
    girls: ZH_GIRLS,
    boys: ZH_BOYS,
    women: ZH_WOMEN,
    men: ZH_MEN,
    surnames: ZH_SURNAMES,
    case_descriptions: ZH_CASE_DESCRIPTIONS,
    found_descriptions: ZH_FOUND_DESCRIPTIONS,
};

/// Towns within 300 km of town `t` (itself among them).
fn near(towns: &[Town], t: usize) -> Vec<usize> {
    (0..towns.len())
        .filter(|&u| distance_km(towns[u], towns[t]) <= 300.0)
        .collect()
}

/// The words of one scenario: its locale's lists and, for a locale other
/// than English, the stream its words are chosen from.
pub(crate) struct Words {
    locale: Locale,
    vocabulary: &'static Vocabulary,
    /// `None` in English, whose words are chosen from the stream of facts.
    own: Option<ChaCha8Rng>,
}

impl Words {
    /// The words of a scenario of `seed` in `locale`.
    pub(crate) fn new(locale: Locale, seed: u64) -> Words {
        match locale {
            Locale::En => Words {
                locale,
                vocabulary: &ENGLISH,
                own: None,
            },
            Locale::ZhCn => Words {
                locale,
                vocabulary: &CHINESE,
                own: Some(stream(seed, 4)),
            },
        }
    }

    /// The locale's towns, which [`Words::town`] and
    /// [`Words::towns_apart`] give indices into.
    pub(crate) fn towns(&self) -> &'static [Town] {
        self.vocabulary.towns
    }

    /// A word of one of the lists: the English one drawn from `facts`, then,
    /// in another locale, its own drawn from its stream.
    fn pick<R: Rng + ?Sized>(
        &mut self,
        list: fn(&Vocabulary) -> &'static [&'static str],
        facts: &mut R,
    ) -> &'static str {
        let english = list(&ENGLISH)[facts.random_range(0..list(&ENGLISH).len())];
        match &mut self.own {
            None => english,
            Some(rng) => {
                let own = list(self.vocabulary);
                own[rng.random_range(0..own.len())]
            }
        }
    }

    /// A town, anywhere.
    pub(crate) fn town<R: Rng + ?Sized>(&mut self, facts: &mut R) -> usize {
        let english = facts.random_range(0..TOWNS.len());
        match &mut self.own {
            None => english,
            Some(rng) => rng.random_range(0..self.vocabulary.towns.len()),
        }
    }

    /// Where a child went missing and, within 300 km of it, where it was
    /// found.
    pub(crate) fn towns_apart<R: Rng + ?Sized>(&mut self, facts: &mut R) -> (usize, usize) {
        let missing = facts.random_range(0..TOWNS.len());
        let around = near(TOWNS, missing);
        let found = around[facts.random_range(0..around.len())];
        match &mut self.own {
            None => (missing, found),
            Some(rng) => {
                let towns = self.vocabulary.towns;
                let missing = rng.random_range(0..towns.len());
                let around = near(towns, missing);
                (missing, around[rng.random_range(0..around.len())])
            }
        }
    }

    /// The institution that took in a child found in town `town`.
    pub(crate) fn institution<R: Rng + ?Sized>(
        &mut self,
        town: usize,
        facts: &mut R,
    ) -> Cow<'static, str> {
        let kind = self.pick(|v| v.institutions, facts);
        match self.locale {
            Locale::En => Cow::Borrowed(kind),
            Locale::ZhCn => Cow::Owned(format!("{}{kind}", city_of(self.towns()[town].0))),
        }
    }

    pub(crate) fn case_description<R: Rng + ?Sized>(&mut self, facts: &mut R) -> &'static str {
        self.pick(|v| v.case_descriptions, facts)
    }

    pub(crate) fn found_description<R: Rng + ?Sized>(&mut self, facts: &mut R) -> &'static str {
        self.pick(|v| v.found_descriptions, facts)
    }

    pub(crate) fn surname<R: Rng + ?Sized>(&mut self, facts: &mut R) -> &'static str {
        self.pick(|v| v.surnames, facts)
    }

    /// A given name of a child (`young`) or of an adult.
    pub(crate) fn given_name<R: Rng + ?Sized>(
        &mut self,
        sex: Sex,
        young: bool,
        facts: &mut R,
    ) -> &'static str {
        match (sex, young) {
            (Sex::Male, true) => self.pick(|v| v.boys, facts),
            (Sex::Male, false) => self.pick(|v| v.men, facts),
            (_, true) => self.pick(|v| v.girls, facts),
            (_, false) => self.pick(|v| v.women, facts),
        }
    }

    /// A person's name as the locale writes it: `Leila Halvorsk`, `王小明`.
    pub(crate) fn full_name(&self, given: &str, surname: &str) -> String {
        match self.locale {
            Locale::En => format!("{given} {surname}"),
            Locale::ZhCn => format!("{surname}{given}"),
        }
    }

    /// The surname of a relative of a child of `surname` whose mother's
    /// family is `maternal`. In English the maternal grandparents have the
    /// mother's family's, everybody else the child's. In Chinese a woman
    /// keeps her own and a child has its father's: the mother, her father
    /// and her siblings have the mother's family's; the grandmothers and a
    /// half sibling by another father one of their own (drawn from the
    /// locale's stream); the father's side the child's.
    pub(crate) fn relative_surname(
        &mut self,
        relative: Relative,
        surname: &'static str,
        maternal: &'static str,
    ) -> &'static str {
        use Relative::*;
        let Some(rng) = &mut self.own else {
            return match relative {
                MaternalGrandfather | MaternalGrandmother => maternal,
                _ => surname,
            };
        };
        match relative {
            Mother | MaternalGrandfather | MaternalAunt | MaternalUncle => maternal,
            MaternalGrandmother | PaternalGrandmother | MaternalHalfSibling => {
                let own = self.vocabulary.surnames;
                own[rng.random_range(0..own.len())]
            }
            Father | FullSibling | PaternalHalfSibling | PaternalGrandfather | PaternalAunt
            | PaternalUncle | PaternalGreatUncle | PaternalFirstCousin => surname,
        }
    }
}

/// The city of a Chinese place as written: after its province (through `省`
/// or `自治区`, if it has one), through the first `市`. `广东省东莞市虎门镇`:
/// `东莞市`; `北京市朝阳区`: `北京市`.
pub(crate) fn city_of(place: &'static str) -> &'static str {
    let after = ["省", "自治区"]
        .iter()
        .find_map(|p| place.find(p).map(|i| &place[i + p.len()..]))
        .unwrap_or(place);
    after
        .find('市')
        .map_or(after, |i| &after[..i + '市'.len_utf8()])
}

// ---------------------------------------------------------------------------
// Simplified Chinese

/// Real cities, counties and towns, as a registry writes them (province,
/// city, county or town), with approximate coordinates: mostly provinces
/// where children went missing and where they were found in the 2000s and
/// 2010s.
pub(crate) const ZH_TOWNS: &[Town] = &[
    ("北京市朝阳区", 39.92, 116.44),
    ("河北省保定市", 38.87, 115.46),
    ("河北省石家庄市", 38.04, 114.51),
    ("河北省邯郸市", 36.63, 114.54),
    ("山东省济南市", 36.65, 117.12),
    ("山东省临沂市", 35.10, 118.36),
    ("山东省临沂市沂南县", 35.55, 118.47),
    ("山东省菏泽市", 35.23, 115.48),
    ("河南省郑州市", 34.75, 113.63),
    ("河南省开封市", 34.80, 114.31),
    ("河南省商丘市", 34.41, 115.66),
    ("河南省周口市", 33.63, 114.70),
    ("河南省周口市太康县", 34.06, 114.84),
    ("河南省南阳市", 32.99, 112.53),
    ("安徽省合肥市", 31.82, 117.23),
    ("安徽省阜阳市", 32.89, 115.81),
    ("江苏省徐州市", 34.21, 117.28),
    ("江苏省南京市", 32.06, 118.80),
    ("上海市闵行区", 31.11, 121.38),
    ("浙江省杭州市", 30.27, 120.16),
    ("浙江省义乌市", 29.31, 120.08),
    ("浙江省温州市", 28.00, 120.70),
    ("福建省福州市", 26.07, 119.30),
    ("福建省莆田市", 25.45, 119.01),
    ("福建省莆田市仙游县", 25.36, 118.69),
    ("福建省泉州市", 24.87, 118.68),
    ("福建省晋江市", 24.78, 118.55),
    ("福建省厦门市", 24.48, 118.09),
    ("江西省南昌市", 28.68, 115.86),
    ("江西省赣州市", 25.83, 114.93),
    ("湖北省武汉市", 30.59, 114.31),
    ("湖北省荆州市", 30.33, 112.24),
    ("湖南省长沙市", 28.23, 112.94),
    ("湖南省邵阳市", 27.24, 111.47),
    ("广东省广州市", 23.13, 113.26),
    ("广东省深圳市宝安区", 22.55, 113.88),
    ("广东省东莞市虎门镇", 22.82, 113.67),
    ("广东省佛山市", 23.02, 113.12),
    ("广东省揭阳市普宁市", 23.30, 116.17),
    ("广东省汕头市", 23.35, 116.68),
    ("广东省湛江市", 21.27, 110.36),
    ("广西壮族自治区南宁市", 22.82, 108.37),
    ("广西壮族自治区玉林市", 22.65, 110.15),
    ("广西壮族自治区百色市", 23.90, 106.62),
    ("广西壮族自治区桂林市", 25.27, 110.29),
    ("贵州省贵阳市", 26.65, 106.63),
    ("贵州省遵义市", 27.73, 106.93),
    ("贵州省毕节市", 27.30, 105.29),
    ("贵州省毕节市威宁县", 26.86, 104.28),
    ("云南省昆明市", 25.04, 102.71),
    ("云南省曲靖市", 25.49, 103.80),
    ("云南省昭通市镇雄县", 27.44, 104.87),
    ("云南省大理市", 25.61, 100.27),
    ("云南省玉溪市", 24.35, 102.54),
    ("四川省成都市", 30.66, 104.07),
    ("四川省绵阳市", 31.47, 104.68),
    ("四川省德阳市", 31.13, 104.40),
    ("四川省乐山市", 29.55, 103.77),
    ("四川省南充市", 30.84, 106.11),
    ("四川省宜宾市", 28.77, 104.64),
    ("四川省西昌市", 27.89, 102.26),
    ("重庆市渝中区", 29.56, 106.57),
    ("重庆市万州区", 30.81, 108.41),
    ("陕西省西安市", 34.34, 108.94),
    ("陕西省汉中市", 33.07, 107.02),
];

/// Kinds of institution that take in a found child, after the name of the
/// city where it was found (`东莞市儿童福利院`).
pub(crate) const ZH_INSTITUTIONS: &[&str] = &[
    "儿童福利院",
    "社会福利院",
    "救助管理站",
    "未成年人救助保护中心",
    "儿童福利指导中心",
    "妇幼保健院",
];

/// Common surnames, the hundred most frequent and a few of two characters.
pub(crate) const ZH_SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
    "莫", "孔", "向", "汤", "欧阳", "司马", "上官", "诸葛",
];

/// Boys' given names, of children born in the 2010s and 2020s.
pub(crate) const ZH_BOYS: &[&str] = &[
    "小明", "浩然", "宇轩", "子轩", "梓豪", "俊杰", "浩宇", "博文", "明轩", "皓轩", "思远", "天佑",
    "睿泽", "宇航", "子墨", "梓睿", "浩轩", "铭轩", "俊熙", "文博", "家豪", "宇辰", "泽宇", "奕辰",
    "沐阳", "晨阳", "承泽", "嘉俊", "俊宇", "子健", "振宇", "天宇", "鑫", "鹏飞", "文杰", "俊豪",
    "云飞", "昊天", "子睿", "梓轩", "皓宇", "思源", "锦程", "俊逸", "嘉乐", "明哲", "天翔", "乐天",
    "一航", "宇豪", "梓晨", "子航", "家乐", "小龙", "小虎", "睿", "宸", "浩辰", "一鸣", "煜",
    "子豪", "佳豪", "博宇", "志远", "宇泽", "俊辰", "梓航", "子谦", "景行", "修远", "嘉懿", "晟睿",
    "浩泽", "铭泽", "致远", "宇哲", "子骞", "煜城", "皓然", "子瑜", "文轩", "逸飞", "天泽", "雨泽",
    "佑安", "沐宸", "一凡", "子安",
];

/// Girls' given names, of children born in the 2010s and 2020s.
pub(crate) const ZH_GIRLS: &[&str] = &[
    "欣怡", "梓涵", "诗涵", "子涵", "雨涵", "可馨", "思琪", "佳怡", "梦琪", "紫萱", "雨桐", "一诺",
    "语嫣", "若曦", "欣妍", "雅琪", "诗雨", "梓萱", "芷若", "晶晶", "婷婷", "丹丹", "佳佳", "欢欢",
    "甜甜", "小燕", "小梅", "小芳", "小红", "文静", "雅婷", "思雨", "雨欣", "心怡", "梓琪", "佳琪",
    "语桐", "安琪", "可欣", "紫涵", "嘉怡", "诗琪", "梦瑶", "梦洁", "雨萱", "梓玥", "若汐", "沐晴",
    "依诺", "书瑶", "悦", "瑶", "月", "晨曦", "馨予", "婉婷", "亦菲", "欣然", "思涵", "雨彤",
    "紫琪", "梓彤", "嘉欣", "可可", "乐乐", "朵朵", "芊芊", "依依", "琪琪", "萌萌", "语汐", "一涵",
    "梓淇", "安然", "若彤", "子萱", "沐瑶", "思彤", "欣悦", "艺涵", "梦涵", "雨晴", "心悦", "佳宁",
    "钰涵",
];

/// Men's given names, of the parents' and grandparents' generations.
pub(crate) const ZH_MEN: &[&str] = &[
    "志强", "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "鹏", "超", "辉", "刚", "建华", "建国",
    "国强", "志明", "晓东", "海涛", "明杰", "立新", "永强", "宏伟", "晓峰", "凯", "浩", "洋", "瑞",
    "国栋", "建军", "春生", "大伟", "小军", "晓明", "永福", "金龙", "志刚", "卫东", "德明", "海波",
    "文斌", "亮", "建平", "建新", "国华", "国庆", "红兵", "卫国", "德华", "振华", "俊", "波", "峰",
    "林", "华", "明", "平", "兵", "东", "宁",
];

/// Women's given names, of the parents' and grandparents' generations.
pub(crate) const ZH_WOMEN: &[&str] = &[
    "晓丽", "丽娟", "秀英", "桂英", "玉兰", "秀兰", "淑芬", "美玲", "丽华", "红梅", "春燕", "海燕",
    "静", "敏", "丽", "艳", "娟", "霞", "芳", "婷", "颖", "雪", "琳", "倩", "洁", "慧", "晓燕",
    "晓雪", "雪梅", "玉梅", "凤英", "美华", "彩霞", "慧敏", "春梅", "桂芳", "秀珍", "玉珍", "秀梅",
    "金凤", "丽萍", "玉芬", "秀芳", "淑珍", "桂兰", "小丽", "晓红", "晓梅", "丽丽", "红霞", "艳红",
    "海霞", "燕", "萍", "玲", "英",
];

/// What a family tells of a missing child.
pub(crate) const ZH_CASE_DESCRIPTIONS: &[&str] = &[
    "左手有一处小疤痕",
    "右肩有胎记",
    "有耳洞",
    "深色卷发",
    "左眉上方有一颗痣",
    "走失时坐在蓝色婴儿车里",
    "走失时穿红色外套",
    "在集市摊位旁被抱走",
    "夜里从家中走失",
    "左前臂有一处小烫伤痕迹",
    "会说几个词，会叫“妈妈”",
    "门牙之间有缝隙",
    "头顶有两个旋",
    "右耳后有红色胎记",
    "走失时穿黄色毛衣",
    "在火车站附近走失",
    "在村口玩耍时走失",
    "会说四川话",
];

/// What a shelter notes of a found child.
pub(crate) const ZH_FOUND_DESCRIPTIONS: &[&str] = &[
    "警方解救，身体健康",
    "略偏瘦，其他方面健康",
    "下巴有小疤痕",
    "被发现时裹着黄色毯子",
    "听到小名会有反应",
    "后腰有胎记",
    "怕生，会说几个词",
    "有耳洞",
    "会说几句方言",
    "营养不良，已送医检查",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_read_by_their_codes() {
        for l in Locale::ALL {
            assert_eq!(l.code().parse::<Locale>(), Ok(l));
            assert_eq!(l.to_string(), l.code());
        }
        assert_eq!("ZH-cn".parse::<Locale>(), Ok(Locale::ZhCn));
        assert_eq!(Locale::default(), Locale::En);
        for bad in ["fr", "zh", "zh_CN", "", "en "] {
            let e = bad.parse::<Locale>().unwrap_err();
            assert_eq!(e, UnknownLocale(bad.to_string()));
            let text = e.to_string();
            assert!(text.contains("en") && text.contains("zh-CN"), "{text}");
        }
    }
}
