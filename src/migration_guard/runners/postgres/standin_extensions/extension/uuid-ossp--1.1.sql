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

-- version 5 (RFC 4122): SHA-1 (FIPS 180-4, written out here: core PostgreSQL has no sha1()) of
-- the namespace's 16 bytes and the name, the first 16 bytes with version and variant set
CREATE FUNCTION uuid_generate_v5(namespace uuid, name text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    mask CONSTANT bigint := 4294967295;
    message bytea := pg_catalog.uuid_send(namespace) || pg_catalog.convert_to(name, 'UTF8');
    bits bigint := pg_catalog.length(message)::bigint * 8;
    h0 bigint := 1732584193;
    h1 bigint := 4023233417;
    h2 bigint := 2562383102;
    h3 bigint := 271733878;
    h4 bigint := 3285377520;
    w bigint[];
    a bigint; b bigint; c bigint; d bigint; e bigint; f bigint; k bigint; t bigint;
    base int;
    digest bytea;
BEGIN
    message := message || '\x80'::bytea;
    WHILE pg_catalog.length(message) % 64 <> 56 LOOP
        message := message || '\x00'::bytea;
    END LOOP;
    message := message || pg_catalog.int8send(bits);
    FOR block IN 0 .. pg_catalog.length(message) / 64 - 1 LOOP
        w := pg_catalog.array_fill(0::bigint, ARRAY[80]);
        FOR i IN 0 .. 15 LOOP
            base := block * 64 + i * 4;
            w[i + 1] := (pg_catalog.get_byte(message, base)::bigint << 24)
                | (pg_catalog.get_byte(message, base + 1)::bigint << 16)
                | (pg_catalog.get_byte(message, base + 2)::bigint << 8)
                | pg_catalog.get_byte(message, base + 3)::bigint;
        END LOOP;
        FOR i IN 16 .. 79 LOOP
            t := w[i - 2] # w[i - 7] # w[i - 13] # w[i - 15];
            w[i + 1] := ((t << 1) | (t >> 31)) & mask;
        END LOOP;
        a := h0; b := h1; c := h2; d := h3; e := h4;
        FOR i IN 0 .. 79 LOOP
            IF i < 20 THEN
                f := (b & c) | ((~b & mask) & d); k := 1518500249;
            ELSIF i < 40 THEN
                f := b # c # d; k := 1859775393;
            ELSIF i < 60 THEN
                f := (b & c) | (b & d) | (c & d); k := 2400959708;
            ELSE
                f := b # c # d; k := 3395469782;
            END IF;
            t := ((((a << 5) | (a >> 27)) & mask) + f + e + k + w[i + 1]) & mask;
            e := d; d := c; c := ((b << 30) | (b >> 2)) & mask; b := a; a := t;
        END LOOP;
        h0 := (h0 + a) & mask; h1 := (h1 + b) & mask; h2 := (h2 + c) & mask;
        h3 := (h3 + d) & mask; h4 := (h4 + e) & mask;
    END LOOP;
    digest := pg_catalog.substr(pg_catalog.int8send(h0), 5)
        || pg_catalog.substr(pg_catalog.int8send(h1), 5)
        || pg_catalog.substr(pg_catalog.int8send(h2), 5)
        || pg_catalog.substr(pg_catalog.int8send(h3), 5);
    digest := pg_catalog.set_byte(digest, 6, (pg_catalog.get_byte(digest, 6) & 15) | 80);
    digest := pg_catalog.set_byte(digest, 8, (pg_catalog.get_byte(digest, 8) & 63) | 128);
    RETURN pg_catalog.encode(digest, 'hex')::uuid;
END
$$;

-- no faithful SQL form: version 1 needs the machine's MAC address and the library's clock
-- sequence
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
