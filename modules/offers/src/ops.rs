//! The offers module's domain rules and write operations. Every write records its one audit
//! entry here, inside the write's transaction; the routes and the seed call these.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use retning_kernel::audit::{record_change, Subject};
use retning_kernel::scope::Scope;
use retning_kernel::{ApiError, DbConnection, FieldError, Principal, Validator};

use crate::codes;
use crate::dto::{
    Audience, BuyerOccupancy, Count, MarketFilter, NewOfferInput, NewPlaceRequest,
    OccupancyByBuyer, OfferExtras, OfferFigures, OfferLegalBasis, OfferMunicipality, OfferPatch,
    OfferView, PlaceRequestOffer, PlaceRequestView,
};
use crate::model::{
    Law, MunicipalityName, NewOffer, NewRequest, OfferRow, OfferStatus, OfferValues,
    OfferVisibility, Party, RequestAction, RequestRow, RequestStatus,
};
use crate::repo::{self, FigureRow, FigureScope, OfferSelection};

/// The audit log's object types.
const OFFER: &str = "offer";
const PLACE_REQUEST: &str = "place_request";

const MAX_TARGET_GROUPS: usize = 20;
const MAX_PARTNERS: usize = 100;

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub fn today() -> NaiveDate {
    retning_kernel::now().date()
}

/// The last day a period may name (so every date compares as text on SQLite too).
fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The law in force on `day` (the kernel's rule: BL from 2024, SEL before).
pub fn law_in_force(day: NaiveDate) -> Law {
    if retning_kernel::legal::barnets_lov_in_force(day) {
        Law::Bl
    } else {
        Law::Sel
    }
}

/// The municipality the caller belongs to (its offers, drafts included, and offers naming it as
/// a partner are what it sees beyond the public ones). The operator and anonymous callers see
/// what is public.
pub fn viewer_of(who: &Principal) -> Option<i64> {
    if who.is_operator() {
        None
    } else {
        who.municipality_id
    }
}

fn municipality_ref(
    names: &std::collections::HashMap<i64, MunicipalityName>,
    id: i64,
) -> OfferMunicipality {
    names
        .get(&id)
        .cloned()
        .map(OfferMunicipality::from_row)
        .unwrap_or(OfferMunicipality {
            slug: String::new(),
            name: String::new(),
            region: String::new(),
        })
}

// ------------------------------------------------------------------------------------------
// Views

/// The views of offer rows as `viewer` sees them, vacancy counted on `day`: a fixed number of
/// queries whatever the number of rows.
pub fn offer_views(
    conn: &mut DbConnection,
    rows: Vec<OfferRow>,
    viewer: Option<i64>,
    day: NaiveDate,
) -> Result<Vec<OfferView>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let providers: Vec<i64> = rows.iter().map(|r| r.municipality_id).collect();
    let programme_ids: Vec<i64> = rows.iter().filter_map(|r| r.programme_id).collect();
    let names = repo::municipality_names(conn, &providers)?;
    let programmes = if programme_ids.is_empty() {
        Default::default()
    } else {
        repo::programmes(conn, &programme_ids)?
    };
    let mut groups = repo::target_groups(conn, &ids)?;
    let own: Vec<i64> = rows
        .iter()
        .filter(|r| Some(r.municipality_id) == viewer)
        .map(|r| r.id)
        .collect();
    let mut partners = if own.is_empty() {
        Default::default()
    } else {
        repo::partner_slugs(conn, &own)?
    };
    let booked = repo::booked_on(conn, &ids, day)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let extras = OfferExtras {
                provider: municipality_ref(&names, row.municipality_id),
                programme: row.programme_id.and_then(|p| programmes.get(&p).cloned()),
                target_groups: groups.remove(&row.id).unwrap_or_default(),
                booked: booked.get(&row.id).copied().unwrap_or(0),
                vacancy_date: day,
                partners: (Some(row.municipality_id) == viewer)
                    .then(|| partners.remove(&row.id).unwrap_or_default()),
            };
            OfferView::from_row(row, extras)
        })
        .collect())
}

pub fn offer_view(
    conn: &mut DbConnection,
    row: OfferRow,
    viewer: Option<i64>,
    day: NaiveDate,
) -> Result<OfferView, ApiError> {
    offer_views(conn, vec![row], viewer, day)?
        .pop()
        .ok_or_else(|| ApiError::not_found("offer"))
}

/// The market's filters as a selection (checked: a vacancy period needs both ends, in order).
pub fn market_selection(f: &MarketFilter) -> Result<OfferSelection, ApiError> {
    let mut v = Validator::new();
    if let Some(age) = f.age {
        v.check(
            (0..=30).contains(&age),
            "query.age",
            "out_of_range",
            "must be from 0 to 30",
        );
    }
    if let Some(step) = f.step {
        v.check(
            (1..=6).contains(&step),
            "query.step",
            "out_of_range",
            "must be from 1 to 6",
        );
    }
    let places = f.vacant_places.unwrap_or(1);
    v.check(
        (1..=1000).contains(&places),
        "query.vacant_places",
        "out_of_range",
        "must be from 1 to 1000",
    );
    let vacancy = match (f.vacant_from, f.vacant_to) {
        (Some(from), Some(to)) => {
            v.check(
                from <= to,
                "query.vacant_to",
                "before_start",
                "must not be before vacant_from",
            );
            Some((places, from, to.min(last_day())))
        }
        (None, None) => {
            v.check(
                f.vacant_places.is_none(),
                "query.vacant_places",
                "requires_period",
                "needs vacant_from and vacant_to",
            );
            None
        }
        (Some(_), None) => {
            v.add("query.vacant_to", "required", "needed with vacant_from");
            None
        }
        (None, Some(_)) => {
            v.add("query.vacant_from", "required", "needed with vacant_to");
            None
        }
    };
    let text = clean(f.q.clone()).map(|q| {
        let escaped: String = q
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        format!("%{escaped}%")
    });
    if let Some(q) = &f.q {
        v.opt_text("query.q", Some(q), 200);
    }
    v.finish()?;
    Ok(OfferSelection {
        provider_id: None,
        provider_slug: clean(f.provider.clone()),
        status: None,
        offer_type: f.offer_type,
        law: f.law,
        target_group: clean(f.target_group.clone()),
        age: f.age,
        step: f.step,
        region: clean(f.region.clone()),
        programme: clean(f.programme.clone()),
        text,
        vacancy,
    })
}

// ------------------------------------------------------------------------------------------
// Offers

/// A checked offer: its row values, target groups and partner municipalities.
struct CheckedOffer {
    values: OfferValues,
    target_groups: Vec<String>,
    partners: Vec<i64>,
}

/// Checks a whole offer (a new one, or an existing one with a change applied). The legal basis
/// must name the law in force today when it is new or changed (`legal_basis_changed`); an
/// unchanged one (a seeded SEL offer, say) stays as it is.
fn check_offer(
    conn: &mut DbConnection,
    provider_id: i64,
    b: NewOfferInput,
    legal_basis_changed: bool,
) -> Result<CheckedOffer, ApiError> {
    let mut v = Validator::new();
    let name = b.name.trim().to_owned();
    v.text("name", &name, 200);
    let description = clean(b.description);
    v.opt_text("description", description.as_deref(), 5000);
    let provider_unit = clean(b.provider_unit);
    v.opt_text("provider_unit", provider_unit.as_deref(), 200);
    let method = clean(b.method);
    v.opt_text("method", method.as_deref(), 2000);
    let typical_duration = clean(b.typical_duration);
    v.opt_text("typical_duration", typical_duration.as_deref(), 200);
    let contact = clean(b.contact);
    v.opt_text("contact", contact.as_deref(), 500);
    let source_document = clean(b.source_document);
    v.opt_text("source_document", source_document.as_deref(), 200);

    let legal = b.legal_basis.map(|l| OfferLegalBasis {
        paragraph: l
            .paragraph
            .trim()
            .trim_start_matches('§')
            .trim()
            .to_ascii_lowercase(),
        ..l
    });
    if let Some(l) = &legal {
        if legal_basis_changed && l.law != law_in_force(today()) {
            v.add(
                "legal_basis.law",
                "not_in_force",
                "SEL applies before 2024-01-01, BL (Barnets lov) from then: a legal basis written today is BL",
            );
        }
        v.check(
            retning_kernel::legal::valid_paragraph(&l.paragraph),
            "legal_basis.paragraph",
            "invalid",
            "must be a paragraph number, optionally with a letter (66, 76a)",
        );
        for (field, value) in [("legal_basis.stk", l.stk), ("legal_basis.nr", l.nr)] {
            v.check(
                value.is_none_or(|n| (1..=99).contains(&n)),
                field,
                "out_of_range",
                "must be from 1 to 99",
            );
        }
    }

    let mut target_groups = Vec::new();
    let mut seen = HashSet::new();
    v.check(
        b.target_groups.len() <= MAX_TARGET_GROUPS,
        "target_groups",
        "too_many",
        format!("at most {MAX_TARGET_GROUPS}"),
    );
    for (i, g) in b.target_groups.iter().enumerate() {
        let g = g.trim().to_owned();
        let field = format!("target_groups[{i}]");
        v.text(&field, &g, 100);
        v.check(
            seen.insert(g.clone()),
            &field,
            "duplicate",
            "each target group once",
        );
        target_groups.push(g);
    }

    for (field, value, min, max) in [
        ("age_min", b.age_min, 0, 30),
        ("age_max", b.age_max, 0, 30),
        ("staircase_step", b.staircase_step, 1, 6),
        ("approved_places", b.approved_places, 0, 10_000),
        ("rate_occupancy_percent", b.rate_occupancy_percent, 1, 100),
    ] {
        v.check(
            value.is_none_or(|n| (min..=max).contains(&n)),
            field,
            "out_of_range",
            format!("must be from {min} to {max}"),
        );
    }
    if let (Some(lo), Some(hi)) = (b.age_min, b.age_max) {
        v.check(
            lo <= hi,
            "age_max",
            "before_min",
            "must not be below age_min",
        );
    }
    v.check(
        b.rate_dkk.is_none_or(|n| (0..=100_000_000).contains(&n)),
        "rate_dkk",
        "out_of_range",
        "must be from 0 to 100000000 (whole kroner)",
    );
    v.check(
        b.rate_dkk.is_some() == b.rate_period.is_some(),
        if b.rate_dkk.is_some() {
            "rate_period"
        } else {
            "rate_dkk"
        },
        "required",
        "a rate is an amount per day or per month: give both or neither",
    );

    let visibility = b.visibility.unwrap_or(OfferVisibility::All);
    let mut slugs: Vec<String> = b.partners.iter().map(|s| s.trim().to_owned()).collect();
    slugs.sort();
    slugs.dedup();
    v.check(
        slugs.len() <= MAX_PARTNERS,
        "partners",
        "too_many",
        format!("at most {MAX_PARTNERS}"),
    );
    match visibility {
        OfferVisibility::Partners => v.check(
            !slugs.is_empty(),
            "partners",
            "required",
            "an offer for partners names at least one partner municipality",
        ),
        OfferVisibility::All => v.check(
            slugs.is_empty(),
            "partners",
            "not_allowed",
            "an offer for all municipalities names no partners",
        ),
    }
    v.finish()?;

    let programme_id = match clean(b.programme) {
        None => None,
        Some(p) => Some(repo::programme_by_short_name(conn, &p)?.ok_or_else(|| {
            ApiError::field(
                "programme",
                "unknown",
                "no programme of the catalogue has this short name",
            )
        })?),
    };
    let found = if slugs.is_empty() {
        Default::default()
    } else {
        repo::enabled_municipalities(conn, &slugs)?
    };
    let mut partners = Vec::new();
    let mut v = Validator::new();
    for (i, slug) in b.partners.iter().enumerate() {
        match found.get(slug.trim()) {
            None => v.add(
                format!("partners[{i}]"),
                "unknown",
                "no municipality with this slug uses offers",
            ),
            Some(id) if *id == provider_id => v.add(
                format!("partners[{i}]"),
                "own_municipality",
                "the provider sees its own offers; name other municipalities",
            ),
            Some(id) => {
                if !partners.contains(id) {
                    partners.push(*id);
                }
            }
        }
    }
    v.finish()?;

    let (legal_law, legal_paragraph, legal_stk, legal_nr) = match legal {
        Some(l) => (Some(l.law), Some(l.paragraph), l.stk, l.nr),
        None => (None, None, None, None),
    };
    Ok(CheckedOffer {
        values: OfferValues {
            name,
            description,
            provider_unit,
            offer_type: b.offer_type,
            legal_law,
            legal_paragraph,
            legal_stk,
            legal_nr,
            age_min: b.age_min,
            age_max: b.age_max,
            staircase_step: b.staircase_step,
            method,
            programme_id,
            approved_places: b.approved_places,
            typical_duration,
            rate_dkk: b.rate_dkk,
            rate_period: b.rate_period,
            rate_occupancy_percent: b.rate_occupancy_percent,
            contact,
            status: b.status.unwrap_or(OfferStatus::Draft),
            visibility,
            source_document,
            updated_at: retning_kernel::now(),
        },
        target_groups,
        partners,
    })
}

fn name_taken() -> ApiError {
    ApiError::with_fields(
        StatusCode::CONFLICT,
        retning_kernel::codes::CONFLICT_DUPLICATE,
        "the municipality has an offer with this name",
        vec![FieldError::new(
            "name",
            "taken",
            "the municipality has an offer with this name",
        )],
    )
}

/// Publishes a new offer of the scope's municipality.
pub fn create_offer(
    conn: &mut DbConnection,
    scope: &Scope,
    b: NewOfferInput,
) -> Result<OfferView, ApiError> {
    let m = scope.id();
    let c = check_offer(conn, m, b, true)?;
    if repo::offer_name_taken(conn, m, &c.values.name, None)? {
        return Err(name_taken());
    }
    let row = repo::insert_offer(
        conn,
        &NewOffer {
            municipality_id: m,
            created_at: c.values.updated_at,
            values: c.values,
        },
    )?;
    repo::replace_target_groups(conn, m, row.id, &c.target_groups)?;
    repo::replace_partners(conn, m, row.id, &c.partners)?;
    let view = offer_view(conn, row, Some(m), today())?;
    record_change(
        conn,
        &scope.who,
        "create",
        Subject::of(&scope.municipality.id, OFFER, view.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// The offer as an input, to apply a change to and check whole.
fn as_input(view: &OfferView) -> NewOfferInput {
    NewOfferInput {
        name: view.name.clone(),
        description: view.description.clone(),
        provider_unit: view.provider_unit.clone(),
        offer_type: view.offer_type,
        legal_basis: view.legal_basis.clone(),
        target_groups: view.target_groups.clone(),
        age_min: view.age_min,
        age_max: view.age_max,
        staircase_step: view.staircase_step,
        method: view.method.clone(),
        programme: view.programme.as_ref().map(|p| p.short_name.clone()),
        approved_places: view.approved_places,
        typical_duration: view.typical_duration.clone(),
        rate_dkk: view.rate_dkk,
        rate_period: view.rate_period,
        rate_occupancy_percent: view.rate_occupancy_percent,
        contact: view.contact.clone(),
        status: Some(view.status),
        visibility: Some(view.visibility),
        partners: view.partners.clone().unwrap_or_default(),
        source_document: view.source_document.clone(),
    }
}

/// Changes one of the scope's offers. Approved places may not fall below what accepted and
/// active requests book on any day from today (`offers.places_booked`).
pub fn update_offer(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: OfferPatch,
) -> Result<OfferView, ApiError> {
    let m = scope.id();
    repo::own_offer(conn, m, id)?.ok_or_else(|| ApiError::not_found("offer"))?;
    // Serialised with acceptances, which lock the same row before they count.
    repo::lock_offer(conn, id)?;
    let row = repo::own_offer(conn, m, id)?.ok_or_else(|| ApiError::not_found("offer"))?;
    let day = today();
    let before = offer_view(conn, row, Some(m), day)?;
    let mut b = as_input(&before);
    let partners_cleared = p.visibility == Some(OfferVisibility::All) && p.partners.is_none();
    let legal_basis_changed = p
        .legal_basis
        .as_ref()
        .is_some_and(|l| *l != before.legal_basis);
    // Absent fields stay; present ones (null included) replace.
    let OfferPatch {
        name,
        description,
        provider_unit,
        offer_type,
        legal_basis,
        target_groups,
        age_min,
        age_max,
        staircase_step,
        method,
        programme,
        approved_places,
        typical_duration,
        rate_dkk,
        rate_period,
        rate_occupancy_percent,
        contact,
        partners,
        source_document,
        status,
        visibility,
    } = p;
    b.name = name.unwrap_or(b.name);
    b.description = description.unwrap_or(b.description);
    b.provider_unit = provider_unit.unwrap_or(b.provider_unit);
    b.offer_type = offer_type.unwrap_or(b.offer_type);
    b.legal_basis = legal_basis.unwrap_or(b.legal_basis);
    b.target_groups = target_groups.unwrap_or(b.target_groups);
    b.age_min = age_min.unwrap_or(b.age_min);
    b.age_max = age_max.unwrap_or(b.age_max);
    b.staircase_step = staircase_step.unwrap_or(b.staircase_step);
    b.method = method.unwrap_or(b.method);
    b.programme = programme.unwrap_or(b.programme);
    b.approved_places = approved_places.unwrap_or(b.approved_places);
    b.typical_duration = typical_duration.unwrap_or(b.typical_duration);
    b.rate_dkk = rate_dkk.unwrap_or(b.rate_dkk);
    b.rate_period = rate_period.unwrap_or(b.rate_period);
    b.rate_occupancy_percent = rate_occupancy_percent.unwrap_or(b.rate_occupancy_percent);
    b.contact = contact.unwrap_or(b.contact);
    b.partners = partners.unwrap_or(b.partners);
    b.source_document = source_document.unwrap_or(b.source_document);
    b.status = status.or(b.status);
    b.visibility = visibility.or(b.visibility);
    if partners_cleared {
        b.partners = Vec::new();
    }
    let c = check_offer(conn, m, b, legal_basis_changed)?;
    if repo::offer_name_taken(conn, m, &c.values.name, Some(id))? {
        return Err(name_taken());
    }
    let places_changed = c.values.approved_places != before.approved_places;
    let row = repo::update_offer(conn, m, id, &c.values)?;
    if places_changed && !repo::places_fit(conn, id, 0, day, last_day())? {
        return Err(ApiError::with_fields(
            StatusCode::CONFLICT,
            codes::PLACES_BOOKED,
            "accepted and active place requests book more places on some day from today",
            vec![FieldError::new(
                "approved_places",
                "below_booked",
                "must cover the places already booked on every day from today",
            )],
        ));
    }
    repo::replace_target_groups(conn, m, id, &c.target_groups)?;
    repo::replace_partners(conn, m, id, &c.partners)?;
    let after = offer_view(conn, row, Some(m), day)?;
    record_change(
        conn,
        &scope.who,
        "update",
        Subject::of(&scope.municipality.id, OFFER, id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Removes an offer no place request names (one that has requests is closed instead).
pub fn delete_offer(conn: &mut DbConnection, scope: &Scope, id: i64) -> Result<(), ApiError> {
    let m = scope.id();
    repo::own_offer(conn, m, id)?.ok_or_else(|| ApiError::not_found("offer"))?;
    repo::lock_offer(conn, id)?;
    let row = repo::own_offer(conn, m, id)?.ok_or_else(|| ApiError::not_found("offer"))?;
    if repo::offer_has_requests(conn, id)? {
        return Err(ApiError::conflict(
            retning_kernel::codes::CONFLICT_REFERENCE,
            "place requests name this offer; close it (status closed) instead",
        ));
    }
    let before = offer_view(conn, row, Some(m), today())?;
    repo::delete_offer(conn, m, id)?;
    record_change(
        conn,
        &scope.who,
        "delete",
        Subject::of(&scope.municipality.id, OFFER, id),
        Some(&before),
        None,
    )?;
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Place requests

/// Which party `municipality_id` is to a request.
fn party_of(row: &RequestRow, municipality_id: i64) -> Party {
    if row.municipality_id == municipality_id {
        Party::Buyer
    } else {
        Party::Provider
    }
}

/// The views of requests as `municipality_id` (a party to each) sees them: two queries.
pub fn request_views(
    conn: &mut DbConnection,
    rows: Vec<RequestRow>,
    municipality_id: i64,
) -> Result<Vec<PlaceRequestView>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let offer_ids: Vec<i64> = rows.iter().map(|r| r.offer_id).collect();
    let parties: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.municipality_id, r.provider_municipality_id])
        .collect();
    let offers = repo::offer_names(conn, &offer_ids)?;
    let names = repo::municipality_names(conn, &parties)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let offer = PlaceRequestOffer {
                id: r.offer_id,
                name: offers.get(&r.offer_id).cloned().unwrap_or_default(),
            };
            let viewer = party_of(&r, municipality_id);
            let buyer = municipality_ref(&names, r.municipality_id);
            let provider = municipality_ref(&names, r.provider_municipality_id);
            PlaceRequestView::from_row(r, offer, buyer, provider, viewer)
        })
        .collect())
}

pub fn request_view(
    conn: &mut DbConnection,
    row: RequestRow,
    municipality_id: i64,
) -> Result<PlaceRequestView, ApiError> {
    request_views(conn, vec![row], municipality_id)?
        .pop()
        .ok_or_else(|| ApiError::not_found("place request"))
}

fn request_subject(id: i64, parties: &[i64; 2]) -> Subject<'_> {
    Subject {
        object_type: PLACE_REQUEST,
        object_id: Some(id),
        municipalities: parties,
    }
}

/// The scope's municipality (the buyer) requests places in another municipality's open offer.
/// Capacity is judged when the provider accepts, not here.
pub fn create_request(
    conn: &mut DbConnection,
    scope: &Scope,
    b: NewPlaceRequest,
) -> Result<PlaceRequestView, ApiError> {
    let m = scope.id();
    let mut v = Validator::new();
    v.check(
        (1..=1000).contains(&b.places),
        "places",
        "out_of_range",
        "must be from 1 to 1000",
    );
    v.check(
        b.period_start <= b.period_end,
        "period_end",
        "before_start",
        "must not be before period_start (both days are included)",
    );
    v.check(
        b.period_end <= last_day(),
        "period_end",
        "out_of_range",
        "must be a date before the year 10000",
    );
    let case_reference = clean(b.case_reference);
    v.opt_text("case_reference", case_reference.as_deref(), 100);
    let note = clean(b.note);
    v.opt_text("note", note.as_deref(), 2000);
    v.finish()?;
    let offer = repo::visible_offer(conn, Some(m), b.offer_id)?.ok_or_else(|| {
        ApiError::field(
            "offer_id",
            "not_found",
            "no offer with this id is shown to the municipality",
        )
    })?;
    if offer.municipality_id == m {
        return Err(ApiError::rule(
            codes::OWN_OFFER,
            "offer_id",
            "is the municipality's own offer; places are requested from another municipality",
        ));
    }
    if offer.status != OfferStatus::Open {
        return Err(ApiError::conflict(
            codes::OFFER_NOT_OPEN,
            format!(
                "the offer is {}; only an open offer takes place requests",
                offer.status
            ),
        ));
    }
    if offer.approved_places.is_none() {
        return Err(ApiError::conflict(
            codes::OFFER_WITHOUT_PLACES,
            "the provider has not filled in the offer's approved places yet",
        ));
    }
    let now = retning_kernel::now();
    let row = repo::insert_request(
        conn,
        &NewRequest {
            municipality_id: m,
            provider_municipality_id: offer.municipality_id,
            offer_id: offer.id,
            places: b.places,
            period_start: b.period_start,
            period_end: b.period_end,
            case_reference,
            note,
            status: RequestStatus::Requested,
            created_at: now,
            updated_at: now,
        },
    )?;
    let parties = [m, row.provider_municipality_id];
    let view = request_view(conn, row, m)?;
    record_change(
        conn,
        &scope.who,
        "create",
        request_subject(view.id, &parties),
        None,
        Some(&view),
    )?;
    Ok(view)
}

fn describe_allowed(status: RequestStatus) -> String {
    let allowed: Vec<String> = status
        .allowed()
        .iter()
        .map(|a| format!("{a} ({})", a.party()))
        .collect();
    if allowed.is_empty() {
        "none".to_owned()
    } else {
        allowed.join(", ")
    }
}

/// One transition of a place request by the scope's municipality: the provider accepts,
/// declines, starts and ends; the buyer withdraws a request not yet active. Every transition
/// locks the offer first, so an acceptance's capacity check and its write are one step for
/// concurrent acceptances (and for a change of the offer's approved places).
pub fn transition(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    action: RequestAction,
) -> Result<PlaceRequestView, ApiError> {
    let m = scope.id();
    let first =
        repo::find_request(conn, m, id)?.ok_or_else(|| ApiError::not_found("place request"))?;
    let party = party_of(&first, m);
    if action.party() != party {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::WRONG_PARTY,
            format!("only the {} may {action} a place request", action.party()),
        ));
    }
    repo::lock_offer(conn, first.offer_id)?;
    let row =
        repo::find_request(conn, m, id)?.ok_or_else(|| ApiError::not_found("place request"))?;
    if !row.status.allowed().contains(&action) {
        return Err(ApiError::with_fields(
            StatusCode::CONFLICT,
            codes::ILLEGAL_TRANSITION,
            format!(
                "a request that is {} cannot be {}; allowed: {}",
                row.status,
                action.target(),
                describe_allowed(row.status)
            ),
            row.status
                .allowed()
                .iter()
                .map(|a| FieldError::new("allowed", a.as_str(), format!("by the {}", a.party())))
                .collect(),
        ));
    }
    if action == RequestAction::Accept
        && !repo::places_fit(
            conn,
            row.offer_id,
            row.places,
            row.period_start,
            row.period_end,
        )?
    {
        return Err(ApiError::with_fields(
            StatusCode::CONFLICT,
            codes::CAPACITY_EXCEEDED,
            format!(
                "{} more places do not fit on every day from {} to {} beside the places already accepted",
                row.places, row.period_start, row.period_end
            ),
            vec![FieldError::new(
                "places",
                "capacity_exceeded",
                "more than the offer's free places on some day of the period",
            )],
        ));
    }
    let parties = [row.municipality_id, row.provider_municipality_id];
    let before = request_view(conn, row, m)?;
    let updated = repo::set_request_status(conn, id, action.target())?;
    let after = request_view(conn, updated, m)?;
    record_change(
        conn,
        &scope.who,
        action.as_str(),
        request_subject(id, &parties),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

// ------------------------------------------------------------------------------------------
// Figures

/// The kernel's suppression of small counts (a place request is one child's stay).
pub use retning_kernel::suppression::{protect, MIN_COUNT};

/// The first and last day of a calendar year the figures may be asked for.
pub fn year_period(year: i32) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let range = || ApiError::field("query.year", "out_of_range", "must be from 1990 to 2100");
    if !(1990..=2100).contains(&year) {
        return Err(range());
    }
    match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(from), Some(to)) => Ok((from, to)),
        _ => Err(range()),
    }
}

fn figure_views(
    conn: &mut DbConnection,
    rows: Vec<FigureRow>,
    year: i32,
    days: i64,
) -> Result<Vec<OfferFigures>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.offer_id).collect();
    let offers = repo::offers_by_id(conn, &ids)?;
    let providers: Vec<i64> = offers.values().map(|o| o.municipality_id).collect();
    let names = repo::municipality_names(conn, &providers)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let offer = offers.get(&row.offer_id)?;
            let provider = municipality_ref(&names, offer.municipality_id);
            Some(OfferFigures::from_row(row, offer, provider, year, days))
        })
        .collect())
}

/// The provider's figures of its offers (or of one) in a year.
pub fn provider_figures(
    conn: &mut DbConnection,
    provider_id: i64,
    offer_id: Option<i64>,
    year: i32,
) -> Result<Vec<OfferFigures>, ApiError> {
    let (from, to) = year_period(year)?;
    let rows = repo::figures(
        conn,
        provider_id,
        FigureScope::Provider { offer_id },
        from,
        to,
    )?;
    figure_views(conn, rows, year, (to - from).num_days() + 1)
}

/// A buyer's figures of what it bought in a year, per offer.
pub fn buyer_figures(
    conn: &mut DbConnection,
    buyer_id: i64,
    year: i32,
) -> Result<Vec<OfferFigures>, ApiError> {
    let (from, to) = year_period(year)?;
    let rows = repo::figures(conn, buyer_id, FigureScope::Buyer, from, to)?;
    figure_views(conn, rows, year, (to - from).num_days() + 1)
}

/// An offer's place-days in a year by buying municipality: exact for the provider's members;
/// for everyone else who may see the offer, the total and the cells resting on fewer than
/// [`MIN_COUNT`] place requests withheld (see [`protect`]).
pub fn occupancy_by_buyer(
    conn: &mut DbConnection,
    scope: &Scope,
    offer: OfferRow,
    year: i32,
) -> Result<OccupancyByBuyer, ApiError> {
    let (from, to) = year_period(year)?;
    let audience = if scope.may(&crate::perm::REQUEST_READ) {
        Audience::Member
    } else {
        Audience::Public
    };
    let public = audience == Audience::Public;
    let rows = repo::figures(
        conn,
        offer.municipality_id,
        FigureScope::ByBuyer { offer_id: offer.id },
        from,
        to,
    )?;
    let parties: Vec<i64> = rows
        .iter()
        .map(|r| r.buyer_id)
        .chain([offer.municipality_id])
        .collect();
    let names = repo::municipality_names(conn, &parties)?;
    let total_requests: i64 = rows.iter().map(|r| r.requests).sum();
    let total_days: i64 = rows.iter().map(|r| r.place_days).sum();
    let total_hidden = public && total_requests < MIN_COUNT;
    let counts: Vec<i64> = rows.iter().map(|r| r.requests).collect();
    let hidden = if public {
        protect(&counts, total_hidden)
    } else {
        vec![false; counts.len()]
    };
    let mut buyers: Vec<BuyerOccupancy> = rows
        .iter()
        .zip(hidden)
        .map(|(r, h)| BuyerOccupancy {
            buyer: municipality_ref(&names, r.buyer_id),
            place_days: Count::new(r.place_days, h),
        })
        .collect();
    buyers.sort_by(|a, b| a.buyer.name.cmp(&b.buyer.name));
    Ok(OccupancyByBuyer {
        offer: PlaceRequestOffer {
            id: offer.id,
            name: offer.name.clone(),
        },
        provider: municipality_ref(&names, offer.municipality_id),
        year,
        days: (to - from).num_days() + 1,
        audience,
        place_days: Count::new(total_days, total_hidden),
        buyers,
    })
}
