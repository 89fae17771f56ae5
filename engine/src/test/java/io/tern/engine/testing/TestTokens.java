package io.tern.engine.testing;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.Map;

/**
 * Mints websocket JWTs the way a panel does (PROTOCOL.md §3.1), with knobs for the bad cases.
 */
public final class TestTokens
{
    public static final String KEY = "test-node-token-0123456789abcdef";
    public static final String USER = "7a1c4b2e-0000-4000-8000-000000000001";

    private final String key;
    private String serverUuid;
    private String userUuid = USER;
    private String jti = "jti-1";
    private long iat;
    private Long nbf;
    private Long exp;
    private String[] permissions = {"*"};
    private String scope = "websocket";

    private TestTokens(final String key, final String serverUuid, final long nowSeconds)
    {
        this.key = key;
        this.serverUuid = serverUuid;
        this.iat = nowSeconds;
        this.nbf = nowSeconds - 300;
        this.exp = nowSeconds + 600;
    }

    public static TestTokens token(final String serverUuid, final long nowSeconds)
    {
        return new TestTokens(KEY, serverUuid, nowSeconds);
    }

    public TestTokens key(final String otherKey)
    {
        final TestTokens copy = new TestTokens(otherKey, serverUuid, iat);
        copy.userUuid = userUuid;
        copy.jti = jti;
        copy.nbf = nbf;
        copy.exp = exp;
        copy.permissions = permissions;
        copy.scope = scope;
        return copy;
    }

    public TestTokens server(final String uuid)
    {
        serverUuid = uuid;
        return this;
    }

    public TestTokens user(final String uuid)
    {
        userUuid = uuid;
        return this;
    }

    public TestTokens jti(final String id)
    {
        jti = id;
        return this;
    }

    public TestTokens iat(final long seconds)
    {
        iat = seconds;
        return this;
    }

    public TestTokens nbf(final Long seconds)
    {
        nbf = seconds;
        return this;
    }

    public TestTokens exp(final Long seconds)
    {
        exp = seconds;
        return this;
    }

    public TestTokens permissions(final String... granted)
    {
        permissions = granted;
        return this;
    }

    public TestTokens scope(final String value)
    {
        scope = value;
        return this;
    }

    public String sign()
    {
        final JWTCreator.Builder builder = JWT.create()
            .withHeader(Map.of("jti", jti))
            .withIssuer("https://panel.test")
            .withAudience("https://node.test:8080")
            .withJWTId(jti)
            .withIssuedAt(new Date(iat * 1000))
            .withClaim("server_uuid", serverUuid)
            .withClaim("user_uuid", userUuid)
            .withArrayClaim("permissions", permissions)
            .withClaim("unique_id", "abcdefghijklmnop");
        if (nbf != null)
        {
            builder.withNotBefore(new Date(nbf * 1000));
        }
        if (exp != null)
        {
            builder.withExpiresAt(new Date(exp * 1000));
        }
        if (scope != null)
        {
            builder.withClaim("scope", scope);
        }
        return builder.sign(Algorithm.HMAC256(key.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * @return the same claims with header {@code {"alg":"none"}} and an empty signature.
     */
    public String signNone()
    {
        final String signed = sign();
        final String payload = signed.split("\\.")[1];
        final String header = Base64.getUrlEncoder().withoutPadding()
            .encodeToString("{\"typ\":\"JWT\",\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + ".";
    }
}
