//! One vocabulary of token ids with disjoint ranges per role, and a readable rendering.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::GeneratorConfig;

/// A token id. Ids are dense, `0..Vocabulary::size()`.
pub type Token = u32;

/// What a token is, as every measurement splits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// Template words and the end-of-sentence token: the parametric syntax.
    Syntax,
    /// Entity-name tokens: which knowledge element the sentence is about.
    Name,
    /// The attribute value: the fact.
    Value,
    /// Filler tokens, uniform over `F`: irreducible noise.
    Noise,
}

/// One number per token role: the role-indexed quantities every measurement splits by
/// (bits per role in skm-theory, scored tokens per role in skm-trainer). Serialized as the
/// four fields `syntax`, `name`, `value`, `noise`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PerRole<T> {
    /// Template words, heads and end of sentence.
    pub syntax: T,
    /// Entity-name tokens.
    pub name: T,
    /// Attribute values.
    pub value: T,
    /// Filler tokens.
    pub noise: T,
}

impl<T: Copy + std::ops::Add<Output = T>> PerRole<T> {
    /// The number of one role.
    pub fn get(&self, role: Role) -> T {
        match role {
            Role::Syntax => self.syntax,
            Role::Name => self.name,
            Role::Value => self.value,
            Role::Noise => self.noise,
        }
    }

    /// Mutable access to the number of one role.
    pub fn get_mut(&mut self, role: Role) -> &mut T {
        match role {
            Role::Syntax => &mut self.syntax,
            Role::Name => &mut self.name,
            Role::Value => &mut self.value,
            Role::Noise => &mut self.noise,
        }
    }

    /// `syntax + name + value + noise`, summed in that order.
    pub fn total(&self) -> T {
        self.syntax + self.name + self.value + self.noise
    }
}

impl<T: Copy + std::ops::AddAssign> std::ops::AddAssign for PerRole<T> {
    fn add_assign(&mut self, other: PerRole<T>) {
        self.syntax += other.syntax;
        self.name += other.name;
        self.value += other.value;
        self.noise += other.noise;
    }
}

impl Role {
    /// All roles, in the order frames and figures list them.
    pub const ALL: [Role; 4] = [Role::Syntax, Role::Name, Role::Value, Role::Noise];

    /// Lower-case name used in column names (`bayes_bits_syntax`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Syntax => "syntax",
            Role::Name => "name",
            Role::Value => "value",
            Role::Noise => "noise",
        }
    }
}

/// Number of connective words that template bodies draw from (besides the unique heads).
pub const CONNECTIVES: usize = 24;

/// Token-id layout: `[EOS | heads (A*T) | connectives | names | values (A blocks) | fillers]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vocabulary {
    heads: usize,
    names: usize,
    values_per_attribute: usize,
    attributes: usize,
    fillers: usize,
}

impl Vocabulary {
    /// The layout for a (validated) configuration.
    pub fn new(config: &GeneratorConfig) -> Self {
        Vocabulary {
            heads: config.attributes * config.templates_per_attribute,
            names: config.name_vocab,
            values_per_attribute: config.values_per_attribute,
            attributes: config.attributes,
            fillers: config.filler_vocab,
        }
    }

    /// The end-of-sentence token (a syntax token).
    pub const EOS: Token = 0;

    /// Total number of token ids.
    pub fn size(&self) -> usize {
        self.fillers_range().end as usize
    }

    /// Syntax tokens: EOS, template heads and connectives.
    pub fn syntax_range(&self) -> Range<Token> {
        0..(1 + self.heads + CONNECTIVES) as Token
    }

    /// Template heads, one per (attribute, template): `1 + attribute * T + template`.
    pub fn heads_range(&self) -> Range<Token> {
        1..(1 + self.heads) as Token
    }

    /// Connective words shared by template bodies.
    pub fn connectives_range(&self) -> Range<Token> {
        self.heads_range().end..self.syntax_range().end
    }

    /// Name tokens.
    pub fn names_range(&self) -> Range<Token> {
        let start = self.syntax_range().end;
        start..start + self.names as Token
    }

    /// All value tokens, every attribute's block together.
    pub fn values_range(&self) -> Range<Token> {
        let start = self.names_range().end;
        start..start + (self.attributes * self.values_per_attribute) as Token
    }

    /// Values of one attribute, `V_j`.
    pub fn attribute_values(&self, attribute: usize) -> Range<Token> {
        let start = self.values_range().start + (attribute * self.values_per_attribute) as Token;
        start..start + self.values_per_attribute as Token
    }

    /// Filler tokens, `F`.
    pub fn fillers_range(&self) -> Range<Token> {
        let start = self.values_range().end;
        start..start + self.fillers as Token
    }

    /// The role of a token, from its range alone.
    #[inline]
    pub fn role(&self, token: Token) -> Role {
        if token < self.syntax_range().end {
            Role::Syntax
        } else if token < self.names_range().end {
            Role::Name
        } else if token < self.values_range().end {
            Role::Value
        } else {
            Role::Noise
        }
    }

    /// A pronounceable synthetic word for a token: names capitalised, values in capitals,
    /// fillers in parentheses, EOS as ".".
    ///
    /// Distinct tokens get distinct words: the id is mapped by a bijection of
    /// `[0, 70^s)` onto syllable strings (14 consonants times 5 vowels).
    pub fn word(&self, token: Token) -> String {
        if token == Self::EOS {
            return ".".to_string();
        }
        const CONSONANTS: &[u8] = b"bdfgklmnprstvz";
        const VOWELS: &[u8] = b"aeiou";
        const SYLLABLES: u64 = 70;
        let total = self.size() as u64;
        let mut syllables = 2;
        let mut space = SYLLABLES * SYLLABLES;
        while space < total {
            syllables += 1;
            space *= SYLLABLES;
        }
        // 7919 is prime and coprime to 70, so multiplication permutes [0, space).
        let mut code = (u128::from(token) * 7919 % u128::from(space)) as u64;
        let mut word = String::with_capacity(2 * syllables);
        for _ in 0..syllables {
            let syllable = (code % SYLLABLES) as usize;
            code /= SYLLABLES;
            word.push(CONSONANTS[syllable / VOWELS.len()] as char);
            word.push(VOWELS[syllable % VOWELS.len()] as char);
        }
        match self.role(token) {
            Role::Name => {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
            Role::Value => word.to_ascii_uppercase(),
            Role::Noise => format!("({word})"),
            _ => word,
        }
    }

    /// A sentence's tokens as readable text.
    pub fn render(&self, tokens: &[Token]) -> String {
        let words: Vec<String> = tokens.iter().map(|&t| self.word(t)).collect();
        words.join(" ").replace(" .", ".")
    }
}
