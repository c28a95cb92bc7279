-- A measure bought from another municipality may name the place request it was bought through
-- (the offers module's `offer_place_requests`). No foreign key: the link is the placements
-- module's reading of another module's table, checked by its write (the buyer's own request,
-- accepted, active or ended), and a constraint would tie the offers module's rows to this
-- table's; the view shows the provider only while the request is there to be read.
ALTER TABLE placement_measures ADD COLUMN place_request_id BIGINT;
CREATE INDEX placement_measures_place_request ON placement_measures (place_request_id);
