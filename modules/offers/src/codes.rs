//! The offers module's problem codes (see `retning_kernel::codes` for the kernel's).

/// A place request for an offer that is not open (a draft or closed).
pub const OFFER_NOT_OPEN: &str = "offers.offer.not_open";
/// A place request for an offer whose approved places are not filled in.
pub const OFFER_WITHOUT_PLACES: &str = "offers.offer.without_places";
/// Approved places lowered below what accepted and active requests already book on some day.
pub const PLACES_BOOKED: &str = "offers.places_booked";
/// An acceptance that would put more places on some day than the offer has approved.
pub const CAPACITY_EXCEEDED: &str = "offers.capacity_exceeded";
/// A transition the request's state does not allow; the problem names the allowed ones.
pub const ILLEGAL_TRANSITION: &str = "offers.request.illegal_transition";
/// A transition that belongs to the other party (the provider accepts, the buyer withdraws).
pub const WRONG_PARTY: &str = "offers.request.wrong_party";
/// A municipality requesting places in its own offer.
pub const OWN_OFFER: &str = "offers.request.own_offer";

pub const ALL: &[&str] = &[
    OFFER_NOT_OPEN,
    OFFER_WITHOUT_PLACES,
    PLACES_BOOKED,
    CAPACITY_EXCEEDED,
    ILLEGAL_TRANSITION,
    WRONG_PARTY,
    OWN_OFFER,
];
