DROP INDEX placement_measures_place_request;
ALTER TABLE placement_measures DROP COLUMN place_request_id;
