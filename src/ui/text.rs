//! Text layout by display width: wrapping and truncation that count
//! columns, not bytes or chars, so CJK, emoji and combining marks line up.
