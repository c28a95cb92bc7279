DROP TABLE disabled_modules;
DROP TABLE audit_log;
DROP TABLE api_keys;
DROP TABLE users;
DROP TABLE municipalities;
