-- migration-guard's stand-in for uuid-ossp 1.1: the functions that can be written faithfully
-- without the C module, with the real extension's names, signatures and volatility; the others
-- raise a clear error when called (creating them, and defaults that name them, still work).

\echo Use "CREATE EXTENSION uuid-ossp" to load this file. \quit

CREATE FUNCTION uuid_nil() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;

CREATE FUNCTION uuid_ns_dns() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid $$;

CREATE FUNCTION uuid_ns_url() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT '6ba7b811-9dad-11d1-80b4-00c04fd430c8'::uuid $$;

CREATE FUNCTION uuid_ns_oid() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT '6ba7b812-9dad-11d1-80b4-00c04fd430c8'::uuid $$;

CREATE FUNCTION uuid_ns_x500() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT '6ba7b814-9dad-11d1-80b4-00c04fd430c8'::uuid $$;

-- version 4: random, as PostgreSQL's own gen_random_uuid() (core since PostgreSQL 13)
CREATE FUNCTION uuid_generate_v4() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.gen_random_uuid() $$;

-- version 3 (RFC 4122): MD5 of the namespace's 16 bytes and the name, version and variant set
CREATE FUNCTION uuid_generate_v3(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT pg_catalog.encode(
        pg_catalog.set_byte(
            pg_catalog.set_byte(digest, 6, (pg_catalog.get_byte(digest, 6) & 15) | 48),
            8,
            (pg_catalog.get_byte(digest, 8) & 63) | 128
        ),
        'hex'
    )::uuid
    FROM (
        SELECT pg_catalog.decode(
            pg_catalog.md5(pg_catalog.uuid_send(namespace) || pg_catalog.convert_to(name, 'UTF8')),
            'hex'
        ) AS digest
    ) AS hashed
$$;

-- no faithful SQL form: version 1 needs the machine's MAC address and the library's clock
-- sequence, version 5 needs SHA-1 (pgcrypto's, itself missing here)
CREATE FUNCTION uuid_generate_v1() RETURNS uuid
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE
AS $$ BEGIN
    RAISE EXCEPTION 'uuid_generate_v1() is not available: the throwaway PostgreSQL lacks uuid-ossp and migration-guard''s stand-in cannot make version 1 UUIDs'
        USING ERRCODE = 'feature_not_supported',
              HINT = 'use a PostgreSQL that has uuid-ossp (postgres = "FOLDER" or MIGRATION_GUARD_POSTGRES) or runner = "docker"';
END $$;

CREATE FUNCTION uuid_generate_v1mc() RETURNS uuid
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE
AS $$ BEGIN
    RAISE EXCEPTION 'uuid_generate_v1mc() is not available: the throwaway PostgreSQL lacks uuid-ossp and migration-guard''s stand-in cannot make version 1 UUIDs'
        USING ERRCODE = 'feature_not_supported',
              HINT = 'use a PostgreSQL that has uuid-ossp (postgres = "FOLDER" or MIGRATION_GUARD_POSTGRES) or runner = "docker"';
END $$;

CREATE FUNCTION uuid_generate_v5(namespace uuid, name text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$ BEGIN
    RAISE EXCEPTION 'uuid_generate_v5() is not available: the throwaway PostgreSQL lacks uuid-ossp and migration-guard''s stand-in has no SHA-1 for version 5 UUIDs'
        USING ERRCODE = 'feature_not_supported',
              HINT = 'use a PostgreSQL that has uuid-ossp (postgres = "FOLDER" or MIGRATION_GUARD_POSTGRES) or runner = "docker"';
END $$;
