-- One counter per municipality (0: changes of no municipality) and module ('*': a change made
-- outside any module's call) that every recorded change increments in its own transaction (see `retning_kernel::versions`): caches of derived figures
-- answer only while the counters they were computed under still read the same. Not private:
-- a counter says that something changed, never what.
CREATE TABLE data_versions (
    municipality_id BIGINT NOT NULL,
    module TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (municipality_id, module)
);
