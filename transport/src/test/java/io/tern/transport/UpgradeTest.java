package io.tern.transport;

import io.tern.transport.testing.RawWebSocketClient;
import io.tern.transport.testing.RawWebSocketClient.HttpResponse;
import io.undertow.util.StatusCodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tern.transport.TransportFixture.REMOTE;
import static io.tern.transport.TransportFixture.SERVER_UUID;
import static io.tern.transport.TransportFixture.path;
import static io.tern.transport.testing.RawWebSocketClient.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP side of {@code GET /api/servers/{uuid}/ws}: PROTOCOL.md §1.1–1.2 (Pelican) and the
 * token at the upgrade (Part I.2).
 */
class UpgradeTest
{
    private TransportFixture fixture;

    @AfterEach
    void stop()
    {
        if (fixture != null)
        {
            fixture.close();
        }
    }

    private static void assertSecurityHeaders(final HttpResponse response)
    {
        assertEquals("default-src 'self'", response.header("Content-Security-Policy"), response.toString());
        assertEquals("DENY", response.header("X-Frame-Options"), response.toString());
        assertEquals(REMOTE, response.header("Access-Control-Allow-Origin"), response.toString());
        assertEquals("true", response.header("Access-Control-Allow-Credentials"));
        assertEquals("7200", response.header("Access-Control-Max-Age"));
    }

    @Test
    void answersUnknownServerWith404Json() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.client())
        {
            final HttpResponse response = client.upgrade(
                "/api/servers/" + SERVER_UUID.toUpperCase() + "/ws", headers("Origin", REMOTE));

            assertEquals(404, response.status());
            assertEquals("{\"error\":\"The requested resource does not exist on this instance.\"}", response.body());
            assertTrue(response.header("Content-Type").startsWith("application/json"));
            assertSecurityHeaders(response);
        }
    }

    @Test
    void answersUnknownRouteWith404JsonAndCorsHeaders() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.client())
        {
            final HttpResponse response = client.request("GET", "/api/system", headers("Origin", REMOTE));

            assertEquals(404, response.status());
            assertEquals("{\"error\":\"The requested resource does not exist on this instance.\"}", response.body());
            assertEquals(REMOTE, response.header("Access-Control-Allow-Origin"));
            assertEquals("GET, POST, PATCH, PUT, DELETE, OPTIONS", response.header("Access-Control-Allow-Methods"));
            assertEquals(
                "Accept, Accept-Encoding, Authorization, Cache-Control, Content-Type, Content-Length, Origin, X-Real-IP, X-CSRF-Token",
                response.header("Access-Control-Allow-Headers"));
            assertNull(response.header("Access-Control-Request-Private-Network"));
        }
    }

    @Test
    void answersPreflightWith204OnAnyPath() throws Exception
    {
        fixture = new TransportFixture(options -> options.allowedOrigins = List.of("https://other.example.com"));
        try (RawWebSocketClient client = fixture.client())
        {
            final HttpResponse response = client.request("OPTIONS", "/api/servers/x/power", headers("Origin", "https://other.example.com"));

            assertEquals(204, response.status());
            assertEquals("https://other.example.com", response.header("Access-Control-Allow-Origin"));
            assertEquals("7200", response.header("Access-Control-Max-Age"));
        }
    }

    @Test
    void passesOtherRoutesToTheFallbackHandler() throws Exception
    {
        fixture = new TransportFixture(options -> options.fallback = exchange ->
        {
            exchange.setStatusCode(StatusCodes.ACCEPTED);
            exchange.getResponseSender().send("{\"ok\":true}");
        });
        try (RawWebSocketClient client = fixture.client())
        {
            final HttpResponse response = client.request("POST", "/api/servers/" + SERVER_UUID + "/power", headers());

            assertEquals(202, response.status());
            assertEquals("{\"ok\":true}", response.body());
            assertEquals(REMOTE, response.header("Access-Control-Allow-Origin"));
        }
    }

    @Test
    void refusesUpgradePastTheConnectionCapUntilOneCloses() throws Exception
    {
        fixture = new TransportFixture();
        final List<RawWebSocketClient> open = new ArrayList<>();
        try
        {
            for (int i = 0; i < TransportFixture.MAX_CONNECTIONS; i++)
            {
                open.add(fixture.connect(path()));
            }
            try (RawWebSocketClient extra = fixture.client())
            {
                final HttpResponse refused = extra.upgrade(path(), headers("Origin", REMOTE));

                assertEquals(400, refused.status());
                assertEquals("{\"error\":\"Too many open websocket connections.\"}", refused.body());
                assertSecurityHeaders(refused);
            }
            assertEquals(TransportFixture.MAX_CONNECTIONS, fixture.handle().connections());

            open.remove(0).close();
            TransportFixture.await("the closed connection's slot", () -> fixture.handle().connections() < TransportFixture.MAX_CONNECTIONS);

            open.add(fixture.connect(path()));
            assertEquals(TransportFixture.MAX_CONNECTIONS, fixture.handle().connections());
        }
        finally
        {
            for (final RawWebSocketClient client : open)
            {
                client.close();
            }
        }
        TransportFixture.await("every slot released", () -> fixture.handle().connections() == 0);
    }

    @Test
    void refusesRequestsThatAreNotWebsocketUpgradesWith400() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.client())
        {
            final HttpResponse plainGet = client.request("GET", path(), headers("Origin", REMOTE));

            assertEquals(400, plainGet.status());
            assertEquals("Bad Request\n", plainGet.body());
            assertEquals("13", plainGet.header("Sec-WebSocket-Version"));
            assertSecurityHeaders(plainGet);

            final HttpResponse badVersion = client.upgrade(path(), headers("Origin", REMOTE, "Sec-WebSocket-Version", "8"));
            assertEquals(400, badVersion.status());

            final HttpResponse badKey = client.upgrade(path(), headers("Origin", REMOTE, "Sec-WebSocket-Key", "c2hvcnQ="));
            assertEquals(400, badKey.status());
        }
        assertEquals(0, fixture.handle().connections());
    }

    @Test
    void refusesForeignOrMissingOriginWith403() throws Exception
    {
        fixture = new TransportFixture(options -> options.allowedOrigins = List.of("https://other.example.com"));
        try (RawWebSocketClient client = fixture.client())
        {
            final HttpResponse foreign = client.upgrade(path(), headers("Origin", "https://evil.example.com"));
            assertEquals(403, foreign.status());
            assertEquals("Forbidden\n", foreign.body());
            assertEquals("default-src 'self'", foreign.header("Content-Security-Policy"));

            final HttpResponse trailingSlash = client.upgrade(path(), headers("Origin", REMOTE + "/"));
            assertEquals(403, trailingSlash.status());

            final HttpResponse missing = client.upgrade(path(), headers());
            assertEquals(403, missing.status());
        }
        try (RawWebSocketClient listed = fixture.connect(path(), "Origin", "https://other.example.com"))
        {
            assertEquals(1, fixture.handle().connections());
        }
        TransportFixture.await("slot released", () -> fixture.handle().connections() == 0);
    }

    @Test
    void upgradesAnyOrMissingOriginWhenAllowedOriginsHasStar() throws Exception
    {
        fixture = new TransportFixture(options -> options.allowedOrigins = List.of("*"));
        try (RawWebSocketClient missing = fixture.client();
             RawWebSocketClient foreign = fixture.client())
        {
            final HttpResponse noOrigin = missing.upgrade(path(), headers());
            assertEquals(101, noOrigin.status(), noOrigin.toString());
            assertNull(noOrigin.header("Content-Security-Policy"), "the 101 carries no security headers");
            assertNull(noOrigin.header("X-Frame-Options"));
            assertNull(noOrigin.header("Access-Control-Allow-Origin"), "the 101 carries no CORS headers");

            final HttpResponse anyOrigin = foreign.upgrade(path(), headers("Origin", "https://anything.example.net"));
            assertEquals(101, anyOrigin.status(), anyOrigin.toString());
            assertEquals("websocket", anyOrigin.header("Upgrade"));
            assertEquals("Upgrade", anyOrigin.header("Connection"));
            assertNull(anyOrigin.header("Origin"), "no Origin echo");
            assertNull(anyOrigin.header("Sec-WebSocket-Location"));
            assertNull(anyOrigin.header("Sec-WebSocket-Extensions"), "no extension without an offer");
        }
    }

    @Test
    void refusesABadQueryTokenWith401AndNeverUpgrades() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.client())
        {
            final HttpResponse malformed = client.upgrade(path() + "?token=not-a-jwt", headers("Origin", REMOTE));

            assertEquals(401, malformed.status());
            assertEquals("{\"error\":\"jwt: malformed token\"}", malformed.body());
            assertSecurityHeaders(malformed);

            final String forged = TransportFixture.token("some-other-node-token-0123456789ab".getBytes(StandardCharsets.UTF_8));
            final HttpResponse badSignature = client.upgrade(path() + "?token=" + forged, headers("Origin", REMOTE));
            assertEquals(401, badSignature.status());
            assertEquals("{\"error\":\"jwt: HMAC verification failed\"}", badSignature.body());
        }
        assertEquals(0, fixture.handle().connections());
    }

    @Test
    void refusesABadBearerTokenWith401() throws Exception
    {
        fixture = new TransportFixture();
        final String forged = TransportFixture.token("some-other-node-token-0123456789ab".getBytes(StandardCharsets.UTF_8));
        try (RawWebSocketClient client = fixture.client())
        {
            final HttpResponse response = client.upgrade(path(), headers("Origin", REMOTE, "Authorization", "Bearer " + forged));

            assertEquals(401, response.status());
            assertEquals("{\"error\":\"jwt: HMAC verification failed\"}", response.body());
            assertEquals("Bearer", response.header("WWW-Authenticate"));
        }
        assertEquals(0, fixture.handle().connections());
    }

    @Test
    void validQueryTokenAuthenticatesAtOpen() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path() + "?token=" + TransportFixture.token()))
        {
            assertEquals("{\"event\":\"auth success\"}", client.readText().strip());
            assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}", client.readText().strip());
            assertTrue(client.readText().startsWith("{\"event\":\"stats\",\"args\":[\"{"));
        }
    }

    @Test
    void validBearerTokenAuthenticatesAtOpen() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path(), "Authorization", "Bearer " + TransportFixture.token()))
        {
            assertEquals("{\"event\":\"auth success\"}", client.readText().strip());
            client.readEvent("stats");
        }
    }

    @Test
    void closesWith4409WhenTheServerIsSuspendedAtConnect() throws Exception
    {
        fixture = new TransportFixture();
        fixture.control.suspended = true;
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            final RawWebSocketClient.Frame close = client.readMessage();

            assertEquals(RawWebSocketClient.CLOSE, close.opcode(), close.toString());
            assertEquals(4409, close.closeCode());
            assertEquals("server is suspended", close.closeReason());
            assertTrue(client.awaitEndOfStream(), "the server closes TCP without waiting for the Close reply");
        }
        TransportFixture.await("slot released", () -> fixture.handle().connections() == 0);
    }

    @Test
    void acceptsTheVersionAsATokenListContaining13() throws Exception
    {
        fixture = new TransportFixture();
        final Map<String, String> headers = headers("Origin", REMOTE, "Sec-WebSocket-Version", "8, 13");
        try (RawWebSocketClient client = fixture.client())
        {
            assertEquals(101, client.upgrade(path(), headers).status());
        }
    }
}
