DROP VIEW offer_bookings;
DROP TABLE offer_place_requests;
DROP TABLE offer_partners;
DROP TABLE offer_target_groups;
DROP TABLE offers;
