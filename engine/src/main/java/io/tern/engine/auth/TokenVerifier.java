package io.tern.engine.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;

import java.util.List;

/**
 * Checks websocket JWTs the way {@code auth} does (PROTOCOL.md §3.2), strictly (Part I.3 item 2):
 * HS256 only (any other {@code alg}, {@code none} included, fails like a bad signature), signature,
 * integer dates, {@code exp} (valid through its whole second), {@code nbf} (30 s skew), the
 * denylists, {@code websocket.connect} and the {@code scope} rule. Thread-safe; allocates (auth
 * is rate limited).
 */
public final class TokenVerifier
{
    /** Accepted clock skew for {@code nbf}. */
    public static final long NBF_SKEW_SECONDS = 30;

    public static final String MALFORMED = "jwt: malformed token";
    public static final String BAD_SIGNATURE = "jwt: HMAC verification failed";
    public static final String BAD_PAYLOAD = "jwt: payload is not a valid JSON object";
    public static final String NO_JWT = "jwt: no jwt present";
    public static final String EXPIRED = "jwt: exp claim is invalid";
    public static final String DENYLISTED = "jwt: created too far in past (denylist)";
    public static final String MISSING_CONNECT = "jwt: missing connect permission";
    public static final String SERVER_MISMATCH = "jwt: server uuid mismatch";

    private final Algorithm algorithm;
    private final boolean requireScope;
    private final Denylist denylist;

    /**
     * @param key          the node token (HS256 key), raw bytes.
     * @param requireScope {@code jwt.require_scope}.
     * @param denylist     the denylists.
     */
    public TokenVerifier(final byte[] key, final boolean requireScope, final Denylist denylist)
    {
        this.algorithm = Algorithm.HMAC256(key);
        this.requireScope = requireScope;
        this.denylist = denylist;
    }

    /**
     * Runs every check of {@code auth} steps 1–7.
     *
     * @param jwt      the token text.
     * @param nowNanos the current time, epoch nanoseconds.
     * @return the token.
     * @throws TokenException with the exact protocol text of the first failed check.
     */
    public VerifiedToken verify(final String jwt, final long nowNanos) throws TokenException
    {
        int dots = 0;
        for (int i = 0; i < jwt.length(); i++)
        {
            if (jwt.charAt(i) == '.')
            {
                dots++;
            }
        }
        if (dots < 2)
        {
            throw new TokenException(MALFORMED, false);
        }
        final DecodedJWT decoded;
        try
        {
            decoded = JWT.decode(jwt);
        }
        catch (final JWTDecodeException ex)
        {
            throw new TokenException(BAD_PAYLOAD, false);
        }
        if (!"HS256".equals(decoded.getAlgorithm()))
        {
            throw new TokenException(BAD_SIGNATURE, false);
        }
        try
        {
            algorithm.verify(decoded);
        }
        catch (final SignatureVerificationException ex)
        {
            throw new TokenException(BAD_SIGNATURE, false);
        }

        final long nowSeconds = Math.floorDiv(nowNanos, 1_000_000_000L);
        final Long exp = integerDate(decoded.getClaim("exp"));
        if (exp == null || nowSeconds > exp)
        {
            throw new TokenException(EXPIRED, true);
        }
        final Long nbf = integerDate(decoded.getClaim("nbf"));
        if (nbf != null && nbf > nowSeconds + NBF_SKEW_SECONDS)
        {
            throw new TokenException(EXPIRED, true);
        }
        final Long iat = integerDate(decoded.getClaim("iat"));
        final VerifiedToken token = new VerifiedToken(
            stringClaim(decoded.getClaim("server_uuid")),
            stringClaim(decoded.getClaim("user_uuid")),
            jti(decoded),
            iat == null ? Long.MIN_VALUE : iat,
            exp,
            Permissions.fromList(permissions(decoded.getClaim("permissions"))),
            scopeAllowsWebsocket(decoded.getClaim("scope")));
        checkStillValid(token, nowNanos);
        return token;
    }

    /**
     * {@link #verify} plus the server uuid check, for tokens presented at the upgrade or in {@code auth}.
     *
     * @param jwt        the token text.
     * @param serverUuid the server of the connection.
     * @param nowNanos   the current time, epoch nanoseconds.
     * @return the token.
     * @throws TokenException with the exact protocol text of the first failed check.
     */
    public VerifiedToken verifyForServer(final String jwt, final String serverUuid, final long nowNanos) throws TokenException
    {
        final VerifiedToken token = verify(jwt, nowNanos);
        if (!serverUuid.equals(token.serverUuid()))
        {
            throw new TokenException(SERVER_MISMATCH, true);
        }
        return token;
    }

    /**
     * The continuous check of §3.3 (expiry, denylist, connect permission) for a stored token.
     * Does not allocate unless it throws.
     *
     * @param token    the stored token.
     * @param nowNanos the current time, epoch nanoseconds.
     * @throws TokenException when the token is no longer valid.
     */
    public void checkStillValid(final VerifiedToken token, final long nowNanos) throws TokenException
    {
        final String failure = failure(token, nowNanos);
        if (failure != null)
        {
            throw new TokenException(failure, true);
        }
    }

    /**
     * @param token    the stored token.
     * @param nowNanos the current time, epoch nanoseconds.
     * @return the §3.3 error text, or {@code null} when the token is still valid; never allocates.
     */
    public String failure(final VerifiedToken token, final long nowNanos)
    {
        if (Math.floorDiv(nowNanos, 1_000_000_000L) > token.expiresAtSeconds())
        {
            return EXPIRED;
        }
        if (denylist.isDenied(token))
        {
            return DENYLISTED;
        }
        if (!token.has(Permissions.CONNECT) || !token.hasScope())
        {
            return MISSING_CONNECT;
        }
        return null;
    }

    private static Long integerDate(final Claim claim)
    {
        if (claim.isMissing() || claim.isNull())
        {
            return null;
        }
        final Double value = claim.asDouble();
        if (value == null || value != Math.rint(value))
        {
            return null;
        }
        return claim.asLong();
    }

    private static String stringClaim(final Claim claim)
    {
        final String value = claim.asString();
        return value == null ? "" : value;
    }

    private static String jti(final DecodedJWT decoded)
    {
        final String payloadJti = decoded.getId();
        if (payloadJti != null)
        {
            return payloadJti;
        }
        final Claim header = decoded.getHeaderClaim("jti");
        return header.asString() == null ? "" : header.asString();
    }

    private static List<String> permissions(final Claim claim) throws TokenException
    {
        if (claim.isMissing() || claim.isNull())
        {
            return List.of();
        }
        try
        {
            final List<String> list = claim.asList(String.class);
            if (list == null)
            {
                throw new TokenException(BAD_PAYLOAD, false);
            }
            return list;
        }
        catch (final JWTDecodeException ex)
        {
            throw new TokenException(BAD_PAYLOAD, false);
        }
    }

    /**
     * @return true when {@code scope} lists {@code websocket}, or is absent and
     * {@code jwt.require_scope} is false; false otherwise.
     */
    private boolean scopeAllowsWebsocket(final Claim claim)
    {
        if (claim.isMissing() || claim.isNull())
        {
            return !requireScope;
        }
        final String scope = claim.asString();
        if (scope == null)
        {
            return false;
        }
        for (final String part : scope.split(" "))
        {
            if ("websocket".equals(part))
            {
                return true;
            }
        }
        return false;
    }
}
