//! `promo codes ...`: importing code files, group codes and generating codes.

use crate::cli::CodesCommand;
use crate::output::progress;
use anyhow::{Context, bail};
use promo_core::archive::{is_zip, unpack_zip};
use promo_core::import::{BadLine, FileFormat, LineProblem, parse_code_file};
use promo_core::{CampaignId, InfluencerId, Lane, PromoCode};
use promo_store::Store;
use promo_store::admin::{ImportSummary, import_id};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// The exit code when a file has bad lines and `--skip-bad` was not given.
pub const EXIT_BAD_FILE: u8 = 2;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Codes written now.
    pub imported: u32,
    /// Codes written now, per lane (`open`, `reserve` or the influencer id).
    pub lanes: BTreeMap<String, u32>,
    /// Bad lines left out.
    pub skipped: usize,
    /// Codes already imported by an earlier run of the same file.
    pub resumed: usize,
    /// Header lines recognised and ignored.
    pub headers: usize,
    /// Blank lines ignored.
    pub blanks: usize,
}

/// How an import ended.
#[derive(Debug)]
pub enum ImportOutcome {
    /// Written (possibly nothing new).
    Done(ImportReport),
    /// The file has this many bad lines; nothing was written.
    Refused(usize),
}

/// Runs a codes subcommand; returns the process exit code.
pub async fn run(store: &Store, command: CodesCommand) -> anyhow::Result<u8> {
    match command {
        CodesCommand::Import {
            campaign,
            file,
            skip_bad,
            influencer,
        } => match import_file(store, &campaign, influencer.as_ref(), &file, skip_bad).await? {
            ImportOutcome::Done(report) => {
                print_report(&report);
                Ok(0)
            }
            ImportOutcome::Refused(bad) => {
                eprintln!(
                    "{bad} bad line(s) in {}: nothing imported. Fix them, or pass --skip-bad to import the rest.",
                    file.display()
                );
                Ok(EXIT_BAD_FILE)
            }
        },
        CodesCommand::Group {
            campaign,
            code,
            uses,
            influencer,
        } => {
            let code = PromoCode::parse(&code)?;
            let bar = progress(u64::from(uses), "writing uses");
            let on_progress = |n| bar.set_position(n);
            let summary = store
                .create_group_code(
                    &campaign,
                    &code,
                    uses,
                    influencer.as_ref(),
                    promo_core::Timestamp::now(),
                    &on_progress,
                )
                .await;
            bar.finish_and_clear();
            let summary =
                summary.context("writing the group code (run the same command again to resume)")?;
            println!(
                "group code of {campaign}: {} uses, for {}",
                summary.uses,
                influencer
                    .as_ref()
                    .map_or("the shared pool".to_owned(), |i| format!("influencer {i}"))
            );
            println!("uses written now: {}", summary.written.imported);
            for (lane, n) in lane_names(summary.written) {
                println!("  {lane}: {n}");
            }
            Ok(0)
        }
        CodesCommand::Generate {
            campaign,
            count,
            groups,
            group_len,
        } => {
            let summary = generate(store, &campaign, count, groups, group_len).await?;
            let report = ImportReport {
                imported: summary.imported,
                lanes: lane_names(summary),
                ..Default::default()
            };
            print_report(&report);
            Ok(0)
        }
    }
}

/// Checks and imports a code file: every bad line is printed to stderr as `line N: reason`;
/// with any bad line and no `skip_bad`, nothing is written. Codes already imported from the same
/// file are counted as resumed and skipped. With `owner`, the codes go to that influencer's lane
/// only (their own promotion's codes).
pub async fn import_file(
    store: &Store,
    campaign: &CampaignId,
    owner: Option<&InfluencerId>,
    file: &Path,
    skip_bad: bool,
) -> anyhow::Result<ImportOutcome> {
    if store.get_campaign(campaign).await?.is_none() {
        bail!("unknown campaign {campaign}");
    }
    if let Some(id) = owner
        && !store
            .list_influencers(campaign)
            .await?
            .iter()
            .any(|i| &i.id == id)
    {
        bail!(
            "no influencer {id} in campaign {campaign}; add them first with `promo influencer add`"
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Seller Central's download as it comes: the one code file inside the .zip.
    let bytes = if is_zip(&bytes) {
        let (inner, unpacked) =
            unpack_zip(&bytes).with_context(|| format!("reading {}", file.display()))?;
        name = inner;
        unpacked
    } else {
        bytes
    };
    let parsed = parse_code_file(&bytes, FileFormat::from_file_name(&name))
        .with_context(|| format!("reading {}", file.display()))?;
    let id = import_id(campaign, &bytes);
    let codes: Vec<PromoCode> = parsed.codes.iter().map(|(_, c)| c.clone()).collect();
    let existing = store
        .existing_codes(campaign, &id, &codes)
        .await
        .context("checking for codes already in a pool")?;

    let mut bad = parsed.bad_lines.clone();
    let mut leave_out = HashSet::new();
    let mut resumed = 0;
    for e in &existing {
        leave_out.insert(e.index);
        if e.same_import {
            resumed += 1;
        } else {
            bad.push(BadLine {
                line: parsed.codes[e.index].0,
                problem: LineProblem::AlreadyInPool,
            });
        }
    }
    bad.sort_by_key(|b| b.line);
    for b in &bad {
        eprintln!("line {}: {}", b.line, b.problem);
    }
    if !bad.is_empty() && !skip_bad {
        return Ok(ImportOutcome::Refused(bad.len()));
    }
    let fresh: Vec<PromoCode> = codes
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !leave_out.contains(i))
        .map(|(_, c)| c)
        .collect();
    let summary = write(store, campaign, owner, &id, &fresh).await?;
    Ok(ImportOutcome::Done(ImportReport {
        imported: summary.imported,
        lanes: lane_names(summary),
        skipped: bad.len(),
        resumed,
        headers: parsed.header_lines,
        blanks: parsed.blank_lines,
    }))
}

/// Generates `count` new random codes and imports them.
pub async fn generate(
    store: &Store,
    campaign: &CampaignId,
    count: u32,
    groups: usize,
    group_len: usize,
) -> anyhow::Result<ImportSummary> {
    if store.get_campaign(campaign).await?.is_none() {
        bail!("unknown campaign {campaign}");
    }
    // The shape is checked once, with checked arithmetic (huge numbers are refused, not wrapped).
    promo_core::generate::try_generate(groups, group_len)?;
    let mut codes: Vec<PromoCode> = Vec::with_capacity(count as usize);
    let mut seen = HashSet::new();
    let id = import_id(
        campaign,
        format!("generated-{}", promo_core::Timestamp::now().millis()).as_bytes(),
    );
    // A random code may (very rarely) exist already: draw again until every code is new.
    for _ in 0..100 {
        while codes.len() < count as usize {
            let code = promo_core::generate::generate(groups, group_len);
            if seen.insert(code.clone()) {
                codes.push(code);
            }
        }
        let existing = store.existing_codes(campaign, &id, &codes).await?;
        if existing.is_empty() {
            return write(store, campaign, None, &id, &codes).await;
        }
        let taken: HashSet<usize> = existing.iter().map(|e| e.index).collect();
        codes = codes
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !taken.contains(i))
            .map(|(_, c)| c)
            .collect();
    }
    bail!("could not generate enough new codes; use longer codes (--groups, --group-len)")
}

async fn write(
    store: &Store,
    campaign: &CampaignId,
    owner: Option<&InfluencerId>,
    id: &str,
    codes: &[PromoCode],
) -> anyhow::Result<ImportSummary> {
    if codes.is_empty() {
        return Ok(ImportSummary::default());
    }
    let bar = progress(codes.len() as u64, "importing");
    let on_progress = |n| bar.set_position(n);
    let summary = match owner {
        None => store.import_codes(campaign, id, codes, &on_progress).await,
        Some(influencer) => {
            store
                .import_own_codes(campaign, influencer, id, codes, &on_progress)
                .await
        }
    };
    bar.finish_and_clear();
    summary.context("importing codes (run the same command again to resume)")
}

fn lane_names(summary: ImportSummary) -> BTreeMap<String, u32> {
    summary
        .lanes
        .into_iter()
        .map(|(key, n)| {
            let name = match Lane::from_key(&key) {
                Ok(Lane::Open) => "open".to_owned(),
                Ok(Lane::Reserve) => "reserve (held out)".to_owned(),
                Ok(Lane::OverCap) => "over the cap".to_owned(),
                _ => format!("influencer {key}"),
            };
            (name, n)
        })
        .collect()
}

/// Prints an import's summary on stdout.
pub fn print_report(r: &ImportReport) {
    println!("imported: {}", r.imported);
    for (lane, n) in &r.lanes {
        println!("  {lane}: {n}");
    }
    println!("skipped bad lines: {}", r.skipped);
    println!("resumed (already imported from this file): {}", r.resumed);
    if r.headers + r.blanks > 0 {
        println!(
            "ignored: {} header line(s), {} blank line(s)",
            r.headers, r.blanks
        );
    }
}
