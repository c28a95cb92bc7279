DROP TABLE placement_measures;
DROP TABLE placement_steps;
