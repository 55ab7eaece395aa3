//! The closed vocabulary of protocol categories, and the closest-name suggestions that the
//! signature loader and the policy options give for a misspelt name.
//!
//! A category is a policy handle (`--deny-category VPN`), so the loader refuses any word outside
//! this list: a protocol declared `category Vpn` would otherwise dodge `--deny-category VPN`.
//! Pure data and string functions; no I/O.

/// Every category a protocol may declare, spelt exactly (nDPI's categories where they exist;
/// `VPN`, `Tunnel` and `Anonymizer` are split as the default policy denies them).
pub const CATEGORIES: [&str; 30] = [
    "VoIP",
    "Video",
    "Media",
    "Chat",
    "Collaborative",
    "Streaming",
    "Music",
    "SocialNetwork",
    "Network",
    "System",
    "Web",
    "Cloud",
    "RemoteAccess",
    "Database",
    "RPC",
    "DataTransfer",
    "Download",
    "P2P",
    "SoftwareUpdate",
    "Email",
    "Mining",
    "ConnCheck",
    "IoT-Scada",
    "Game",
    "VPN",
    "Tunnel",
    "Anonymizer",
    "Cybersecurity",
    "Advertisement",
    "Custom",
];

/// The category spelt as the vocabulary spells it, for a name given in any letter case
/// (`vpn` → `VPN`), or `None` outside the vocabulary.
pub fn canonical(name: &str) -> Option<&'static str> {
    CATEGORIES
        .iter()
        .copied()
        .find(|c| c.eq_ignore_ascii_case(name.trim()))
}

/// Check a category as a signature file declares it: it must be spelt exactly as in
/// [`CATEGORIES`]. The error says what was expected and suggests the closest categories.
pub fn check_declared(name: &str) -> Result<(), String> {
    if CATEGORIES.contains(&name) {
        return Ok(());
    }
    let hint = match canonical(name) {
        Some(c) => format!(" (spelt `{c}`)"),
        None => did_you_mean(&suggest(name, CATEGORIES.iter().copied())),
    };
    Err(format!(
        "expected a category of the vocabulary{hint}: {}; found `{name}`",
        CATEGORIES.join(" ")
    ))
}

/// The 1-based column of the category word in a `protocol NAME id N category CAT` line (1 when
/// the line is not shaped so).
pub fn column(line: &str) -> u32 {
    let Some(at) = line.find("category") else {
        return 1;
    };
    let rest = &line[at + "category".len()..];
    let start = at + "category".len() + (rest.len() - rest.trim_start().len());
    u32::try_from(line[..start].chars().count() + 1).unwrap_or(1)
}

/// The candidates closest to `word` (case-insensitive edit distance, at most a third of the
/// word's length, at least 2; or one containing the other), best first, at most three.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let w = word.trim().to_ascii_lowercase();
    let limit = (w.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let lc = c.to_ascii_lowercase();
            let d = distance(&w, &lc);
            let related = w.len() >= 3 && (lc.contains(&w) || w.contains(&lc));
            (d <= limit || related).then_some((d, c))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// ` (did you mean `A` or `B`?)`, or nothing without suggestions.
pub fn did_you_mean(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => format!(" (did you mean `{one}`?)"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|n| format!("`{n}`")).collect();
            format!(" (did you mean {} or `{last}`?)", init.join(", "))
        }
    }
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.last().copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_is_spelt_exactly() {
        assert!(check_declared("VPN").is_ok());
        assert!(check_declared("IoT-Scada").is_ok());
        let e = check_declared("Vpn").unwrap_err();
        assert!(
            e.contains("(spelt `VPN`)") && e.ends_with("found `Vpn`"),
            "{e}"
        );
        let e = check_declared("Tunel").unwrap_err();
        assert!(e.contains("did you mean `Tunnel`?"), "{e}");
        assert_eq!(canonical("tunnel"), Some("Tunnel"));
        assert_eq!(canonical("C"), None);
    }

    #[test]
    fn the_closest_names_come_first() {
        let names = ["Skype_Teams", "Skype_TeamsCall", "STUN", "DNS"];
        assert_eq!(
            suggest("Skype_Team", names),
            vec!["Skype_Teams", "Skype_TeamsCall"]
        );
        assert_eq!(suggest("skype_teamscal", names)[0], "Skype_TeamsCall");
        assert_eq!(suggest("dns", names), vec!["DNS"]);
        assert!(suggest("Zzzzzzzz", names).is_empty());
        assert_eq!(did_you_mean(&["A", "B"]), " (did you mean `A` or `B`?)");
    }

    #[test]
    fn the_loader_refuses_a_category_outside_the_vocabulary() {
        let src = "protocol P id 1 category Vpn\n  rule r\n    u8@0 == 1\n";
        let e = crate::signature::SignatureSet::from_sources(&[("local.sig", src)]).unwrap_err();
        let shown = e[0].to_string();
        assert!(
            shown
                .starts_with("local.sig:1:26: expected a category of the vocabulary (spelt `VPN`)"),
            "{shown}"
        );
        assert!(shown.ends_with(&format!("{}^", " ".repeat(25))), "{shown}");
        let ok = "protocol P id 1 category VPN\n  rule r\n    u8@0 == 1\n";
        assert!(crate::signature::SignatureSet::from_sources(&[("local.sig", ok)]).is_ok());
    }

    #[test]
    fn the_column_points_at_the_category() {
        assert_eq!(column("protocol X id 1 category Vpn"), 26);
        assert_eq!(column("protocol X id 1  category   Vpn # c"), 29);
    }
}
