//! A property test of the code lifecycle: random sequences of claims, repeats, redemptions, an
//! early end and sweeps, run against the real embedded engine and compared with a model.

use crate::common;
use promo_core::{
    CampaignId, CampaignStatus, Caps, ClaimRefusal, Follower, OrderRef, PromoCode, RedeemRefusal,
    Timestamp,
};
use promo_store::{Store, claims::ClaimRequest};
use proptest::prelude::*;
use proptest::test_runner::Config;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use std::collections::{HashMap, HashSet};

const POOL: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Claim(u8),
    Redeem(u8, u8),
    RedeemUnissued,
    End,
    Sweep,
}

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    NewCode,
    SameCode,
    Refused(&'static str),
    Redeemed,
    Replayed,
    AlreadyRedeemed,
    NoCodeHeld,
    NotIssued,
    Retired(usize),
}

#[derive(Debug, Clone)]
struct Model {
    available: usize,
    holders: HashSet<u8>,
    redeemed_by: HashMap<u8, u8>,
    ended: bool,
    last: Expect,
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model {
            available: POOL,
            holders: HashSet::new(),
            redeemed_by: HashMap::new(),
            ended: false,
            last: Expect::NoCodeHeld,
        })
        .boxed()
    }

    fn transitions(_: &Model) -> BoxedStrategy<Op> {
        prop_oneof![
            6 => (0u8..6).prop_map(Op::Claim),
            4 => (0u8..6, 0u8..2).prop_map(|(f, o)| Op::Redeem(f, o)),
            1 => Just(Op::RedeemUnissued),
            1 => Just(Op::End),
            1 => Just(Op::Sweep),
        ]
        .boxed()
    }

    fn apply(mut m: Model, op: &Op) -> Model {
        m.last = match op {
            Op::Claim(f) if m.holders.contains(f) => Expect::SameCode,
            Op::Claim(_) if m.ended => Expect::Refused("ended"),
            Op::Claim(_) if m.available == 0 => Expect::Refused("sold_out"),
            Op::Claim(f) => {
                m.available -= 1;
                m.holders.insert(*f);
                Expect::NewCode
            }
            Op::Redeem(f, _) if !m.holders.contains(f) => Expect::NoCodeHeld,
            Op::Redeem(f, o) => match m.redeemed_by.get(f) {
                Some(by) if by == o => Expect::Replayed,
                Some(_) => Expect::AlreadyRedeemed,
                None => {
                    m.redeemed_by.insert(*f, *o);
                    Expect::Redeemed
                }
            },
            Op::RedeemUnissued if m.holders.len() < POOL => Expect::NotIssued,
            Op::RedeemUnissued => Expect::NoCodeHeld,
            Op::End => {
                m.ended = true;
                Expect::NoCodeHeld
            }
            Op::Sweep if m.ended => {
                let n = m.available;
                m.available = 0;
                Expect::Retired(n)
            }
            Op::Sweep => Expect::Retired(0),
        };
        m
    }
}

struct System {
    rt: tokio::runtime::Runtime,
    store: Store,
    campaign: CampaignId,
    codes: Vec<PromoCode>,
    held: HashMap<u8, PromoCode>,
}

impl StateMachineTest for System {
    type SystemUnderTest = Self;
    type Reference = Reference;

    fn init_test(_: &Model) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let store = rt.block_on(common::store());
        store.set_context_ttl(std::time::Duration::ZERO);
        let campaign = rt.block_on(common::campaign_with_codes(
            &store,
            "sm",
            3_600_000,
            Caps::default(),
            POOL,
        ));
        let codes = common::codes("SM", POOL);
        System {
            rt,
            store,
            campaign,
            codes,
            held: HashMap::new(),
        }
    }

    fn apply(mut sys: Self, model: &Model, op: Op) -> Self {
        let now = Timestamp::now();
        let order = |o: u8| OrderRef::parse(&format!("order-{o}")).expect("ref");
        match op {
            Op::Claim(f) => {
                let req = ClaimRequest {
                    campaign: sys.campaign.clone(),
                    follower: Follower::parse("telegram", &(f + 1).to_string()).expect("follower"),
                    influencer: None,
                };
                let got = sys.rt.block_on(sys.store.claim(&req, now)).expect("store");
                match (&model.last, got) {
                    (Expect::NewCode, Ok(c)) => {
                        assert!(c.new);
                        assert!(
                            !sys.held.values().any(|h| *h == c.code),
                            "a code went to two followers"
                        );
                        sys.held.insert(f, c.code);
                    }
                    (Expect::SameCode, Ok(c)) => {
                        assert!(!c.new);
                        assert_eq!(Some(&c.code), sys.held.get(&f));
                    }
                    (Expect::Refused(why), Err(r)) => assert_eq!(r.reason(), *why, "{r:?}"),
                    (want, got) => panic!("claim: wanted {want:?}, got {got:?}"),
                }
            }
            Op::Redeem(f, o) => {
                if let Some(code) = sys.held.get(&f).cloned() {
                    let got = sys
                        .rt
                        .block_on(sys.store.redeem(&code, &order(o), now))
                        .expect("store");
                    match (&model.last, got) {
                        (Expect::Redeemed, Ok(r)) => assert!(!r.replayed),
                        (Expect::Replayed, Ok(r)) => assert!(r.replayed),
                        (Expect::AlreadyRedeemed, Err(RedeemRefusal::AlreadyRedeemed { .. })) => {}
                        (want, got) => panic!("redeem: wanted {want:?}, got {got:?}"),
                    }
                } else {
                    assert_eq!(model.last, Expect::NoCodeHeld);
                }
            }
            Op::RedeemUnissued => {
                let held: HashSet<_> = sys.held.values().cloned().collect();
                if let Some(code) = sys.codes.iter().find(|c| !held.contains(*c)) {
                    assert_eq!(model.last, Expect::NotIssued);
                    let got = sys
                        .rt
                        .block_on(sys.store.redeem(code, &order(9), now))
                        .expect("store");
                    assert_eq!(got, Err(RedeemRefusal::NotIssued));
                } else {
                    assert_eq!(model.last, Expect::NoCodeHeld);
                }
            }
            Op::End => {
                sys.rt
                    .block_on(sys.store.set_campaign_status(
                        &sys.campaign,
                        CampaignStatus::Ended,
                        now,
                    ))
                    .expect("end");
            }
            Op::Sweep => {
                let report = sys
                    .rt
                    .block_on(sys.store.expire_sweep(Timestamp::now(), 100))
                    .expect("sweep");
                assert_eq!(model.last, Expect::Retired(report.codes_retired as usize));
            }
        }
        sys
    }

    fn check_invariants(sys: &Self, _: &Model) {
        let violations = sys.rt.block_on(sys.store.audit()).expect("audit");
        assert!(violations.is_empty(), "{violations:#?}");
    }
}

prop_state_machine! {
    #![proptest_config(Config { cases: 24, failure_persistence: None, .. Config::default() })]
    #[test]
    fn the_code_lifecycle_matches_the_model(sequential 1..40 => System);
}

#[test]
fn refusal_reasons_are_stable() {
    assert_eq!(ClaimRefusal::SoldOut.reason(), "sold_out");
    assert_eq!(ClaimRefusal::Ended.reason(), "ended");
}
