package io.tern.daemon.web;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import io.tern.daemon.api.ApiNode;
import io.tern.daemon.token.TokenMinter;
import io.tern.transport.testing.RawWebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web console's HTTP side without a browser: the static pages and assets with their security
 * headers and ETags, and {@code POST /api/servers/{uuid}/ws/token}, whose token a real websocket
 * accepts. A real daemon on 127.0.0.1 with an ephemeral port.
 */
class WebConsoleRoutesTest
{
    private static final String SERVER = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";

    @TempDir
    Path directory;

    private ApiNode node;

    @BeforeEach
    void start() throws Exception
    {
        node = ApiNode.start(directory, ApiNode.catServer(SERVER));
    }

    @AfterEach
    void stop() throws Exception
    {
        node.close();
    }

    @Test
    void servesTheServerListAndTheConsolePageWithoutAuthentication() throws Exception
    {
        final HttpResponse<String> list = node.send("GET", "/", null, null);
        final HttpResponse<String> console = node.send("GET", "/console/" + SERVER, null, null);

        assertEquals(200, list.statusCode());
        assertEquals("text/html; charset=utf-8", list.headers().firstValue("Content-Type").orElse(""));
        assertTrue(list.body().contains("<script src=\"/assets/servers.js\"></script>"), list.body());
        assertEquals(200, console.statusCode());
        assertTrue(console.body().contains("<script src=\"/assets/console.js\"></script>"), console.body());
        for (final HttpResponse<String> page : List.of(list, console))
        {
            final String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
            assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElse(""));
            assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
            assertEquals("no-referrer", page.headers().firstValue("Referrer-Policy").orElse(""));
        }
    }

    @Test
    void servesScriptsStylesAndTheUplotWebJar() throws Exception
    {
        for (final String script : List.of("ansi.js", "protocol.js", "signin.js", "servers.js", "console.js", "uplot/uPlot.iife.min.js"))
        {
            final HttpResponse<String> response = node.send("GET", "/assets/" + script, null, null);
            assertEquals(200, response.statusCode(), script);
            assertEquals("text/javascript; charset=utf-8", response.headers().firstValue("Content-Type").orElse(""), script);
        }
        final HttpResponse<String> uplot = node.send("GET", "/assets/uplot/uPlot.iife.min.js", null, null);
        assertTrue(uplot.body().contains("uPlot"), "the WebJar's uPlot build");
        final HttpResponse<String> css = node.send("GET", "/assets/uplot/uPlot.min.css", null, null);
        assertEquals("text/css; charset=utf-8", css.headers().firstValue("Content-Type").orElse(""));
        assertTrue(css.body().contains(".uplot"), css.body());
    }

    @Test
    void answersNotModifiedForAMatchingEtag() throws Exception
    {
        final HttpResponse<String> first = node.send("GET", "/assets/tern.css", null, null);
        final String etag = first.headers().firstValue("ETag").orElseThrow();

        final RawWebSocketClient client = new RawWebSocketClient("127.0.0.1", node.daemon().port(), 5000);
        try (client)
        {
            final RawWebSocketClient.HttpResponse second = client.request("GET", "/assets/tern.css",
                RawWebSocketClient.headers("Host", "127.0.0.1", "If-None-Match", etag));
            assertEquals(304, second.status(), second.toString());
        }
    }

    @Test
    void unknownAssetsAndDeeperConsolePathsAreNotFound() throws Exception
    {
        for (final String path : List.of("/assets/missing.js", "/console/", "/console/" + SERVER + "/extra", "/index.html"))
        {
            final HttpResponse<String> response = node.send("GET", path, null, null);
            assertEquals(404, response.statusCode(), path);
            assertEquals("{\"error\":\"The requested resource does not exist on this instance.\"}", response.body(), path);
        }
    }

    @Test
    void pagesAnswerOnlyGetAndHead() throws Exception
    {
        final HttpResponse<String> post = node.send("POST", "/console/" + SERVER, "{}", null);
        final HttpResponse<String> head = node.send("HEAD", "/", null, null);

        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        assertTrue(post.body().startsWith("{\"error\":\"Method POST is not allowed"), post.body());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void mintsAnAdminWebsocketTokenForTenMinutes() throws Exception
    {
        final HttpResponse<String> response = node.post("/api/servers/" + SERVER + "/ws/token", null);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(""));
        final String token = response.body().replaceAll("^\\{\"token\":\"([^\"]+)\".*$", "$1");
        final DecodedJWT jwt = JWT.require(Algorithm.HMAC256(ApiNode.KEY.getBytes(StandardCharsets.UTF_8)))
            .acceptIssuedAt(2).build().verify(token); // iat may be the second after boot, up to 1 s ahead
        assertEquals(SERVER, jwt.getClaim("server_uuid").asString());
        assertEquals(TokenMinter.ADMIN, jwt.getClaim("permissions").asList(String.class));
        assertEquals("websocket", jwt.getClaim("scope").asString());
        final long issuedAt = jwt.getClaim("iat").asLong();
        assertTrue(issuedAt > node.daemon().bootEpochSeconds(), "issued after the boot second, which the boot rule refuses");
        assertEquals(issuedAt + 600, jwt.getClaim("exp").asLong());
        assertTrue(response.body().endsWith(",\"expires_at\":" + (issuedAt + 600) + "}"), response.body());
        assertFalse(jwt.getClaim("user_uuid").asString().isEmpty());
    }

    @Test
    void aMintedTokenAuthenticatesTheWebsocket() throws Exception
    {
        final HttpResponse<String> response = node.post("/api/servers/" + SERVER + "/ws/token", null);
        final String token = response.body().replaceAll("^\\{\"token\":\"([^\"]+)\".*$", "$1");

        final RawWebSocketClient client = node.connect(SERVER);
        client.sendText(ApiNode.auth(token));

        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
        assertTrue(client.readEvent("status").contains("\"status\""));
    }

    @Test
    void tokenRouteNeedsTheNodeTokenAndAKnownServer() throws Exception
    {
        final String path = "/api/servers/" + SERVER + "/ws/token";

        final HttpResponse<String> missing = node.send("POST", path, null, null);
        final HttpResponse<String> wrong = node.send("POST", path, null, "not-the-node-token");
        final HttpResponse<String> unknown = node.post("/api/servers/5b0e6c1a-9d2f-4e3b-8a71-0c4d2e6f8a90/ws/token", null);
        final HttpResponse<String> get = node.get(path);

        assertEquals(401, missing.statusCode());
        assertEquals("{\"error\":\"The required authorization heads were not present in the request.\"}", missing.body());
        assertEquals(403, wrong.statusCode());
        assertEquals("{\"error\":\"You are not authorized to access this endpoint.\"}", wrong.body());
        assertEquals(404, unknown.statusCode());
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void signedInUrlCarriesTheNodeTokenOnlyInTheFragment()
    {
        final String url = WebConsole.signedInConsoleUrl("http://127.0.0.1:8080", SERVER, "a+b/c=");

        assertEquals("http://127.0.0.1:8080/console/" + SERVER + "#token=a%2Bb%2Fc%3D", url);
    }
}
