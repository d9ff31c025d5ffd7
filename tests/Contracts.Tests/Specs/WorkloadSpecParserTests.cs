using Flotilla.Contracts.Specs;

namespace Flotilla.Contracts.Tests.Specs;

[Trait("Category", "Unit")]
public sealed class WorkloadSpecParserTests
{
    private const string DesignExample = """
        name: hello
        image: localhost:5000/hello:1.0
        replicas: 3
        command: ["httpd", "-f", "-p", "8000"]
        env: { GREETING: hi }
        resources: { cpu: 0.25, memory: 64Mi, pids: 256 }
        ports: [ { name: http, container: 8000 } ]        # host port chosen by the scheduler/agent
        expose: { host: hello.local, path: /hello, port: http }   # a gateway route
        health: { http: { path: /, port: http }, interval: 5s, timeout: 1s, retries: 3 }
        restart: { policy: always }                          # always | on-failure | never, with backoff
        update: { maxSurge: 1, maxUnavailable: 0 }
        placement: { strategy: spread, constraints: ["zone == a"] }
        volumes: [ { name: data, mount: /data } ]
        """;

    [Fact]
    public void Parse_DesignExample_ReadsEveryField()
    {
        var result = WorkloadSpecParser.Parse(DesignExample);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var spec = result.Spec!;
        Assert.Equal("hello", spec.Name);
        Assert.Equal(3, spec.Replicas);
        Assert.Equal(["httpd", "-f", "-p", "8000"], spec.Command);
        Assert.Equal("hi", spec.Env!["GREETING"]);
        Assert.Equal(0.25, spec.Resources!.Cpu);
        Assert.Equal(new ResourceRequest(250, 64L << 20, 256), ResourceRequest.From(spec.Resources));
        Assert.Equal(8000, spec.Ports![0].Container);
        Assert.Equal("/hello", spec.Expose!.Path);
        Assert.Equal("http", spec.Health!.Http!.Port);
        Assert.Equal("always", spec.Restart!.Policy);
        Assert.Equal(0, spec.Update!.MaxUnavailable);
        Assert.Equal(["zone == a"], spec.Placement!.Constraints);
        Assert.Equal("/data", spec.Volumes![0].Mount);
    }

    [Fact]
    public void Parse_Json_ReadsTheSameModelAsYaml()
    {
        var yaml = WorkloadSpecParser.Parse(DesignExample).Spec!;

        var json = WorkloadSpecParser.Parse(WorkloadSpecParser.ToJson(yaml));

        Assert.True(json.IsValid, string.Join("; ", json.Errors));
        Assert.Equal(WorkloadSpecParser.ToJson(yaml), WorkloadSpecParser.ToJson(json.Spec!));
    }

    [Fact]
    public void Parse_ScalarsWrittenAsNumbersOrBooleans_AreStringsWhereTheModelWantsStrings()
    {
        var result = WorkloadSpecParser.Parse("""
            name: web
            image: localhost:5000/web:1
            env: { PORT: 8000, DEBUG: true }
            placement: { distinctHosts: true }
            """);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal("8000", result.Spec!.Env!["PORT"]);
        Assert.Equal("true", result.Spec.Env["DEBUG"]);
        Assert.True(result.Spec.Placement!.DistinctHosts);
    }

    [Theory]
    [InlineData("name: web\nreplicas: 1\n", "image", "is required")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nreplicas: -1\n", "replicas", "between 0")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nresources: { memory: lots }\n", "resources.memory", "'lots'")]
    [InlineData("name: web\nimage: localhost:5000/web:1\ncolour: blue\n", "colour", "not a known field")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nresources: { memory: 1Mi, disk: 1Gi }\n", "resources.disk", "not a known field")]
    [InlineData("name: team/web\nimage: localhost:5000/web:1\n", "name", "no '/'")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nports: [ { container: 70000 } ]\n", "ports[0].container", "between 1 and 65535")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nports: [ { container: 80, host: 0 } ]\n", "ports[0].host", "between 1 and 65535")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nplacement: { constraints: [\"zone === a\"] }\n", "placement.constraints[0]", "does not parse")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nreplicas: lots\n", "replicas", "wrong type")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nexpose: { port: http }\n", "expose.port", "not the name")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nhealth: { http: { path: x, port: http }, interval: soon }\n", "health.http.path", "start with '/'")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nhealth: { http: { path: /, port: http }, interval: soon }\n", "health.interval", "duration")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nrestart: { policy: sometimes }\n", "restart.policy", "always, on-failure or never")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nupdate: { maxSurge: 0, maxUnavailable: 0 }\n", "update.maxSurge", "both be 0")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nplacement: { strategy: random }\n", "placement.strategy", "spread or binpack")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nvolumes: [ { name: data, mount: data } ]\n", "volumes[0].mount", "absolute path")]
    [InlineData("name: web\nimage: 'not an image'\n", "image", "not an image reference")]
    [InlineData("name: web\nimage: localhost:5000/web:1\nenv: { 1BAD: x }\n", "env.1BAD", "variable name")]
    [InlineData("name: web\nimage: [oops\n", "line", "not valid YAML")]
    [InlineData("{\"name\": \"web\", \"image\": \"localhost:5000/web:1\", \"replicas\": -2}", "replicas", "between 0")]
    [InlineData("{\"name\": \"web\", \"image\": \"localhost:5000/web:1\", \"extra\": 1}", "extra", "not a known field")]
    public void Parse_InvalidSpec_NamesTheFieldAndTheRule(string text, string field, string message)
    {
        var result = WorkloadSpecParser.Parse(text);

        Assert.False(result.IsValid);
        Assert.Null(result.Spec);
        var error = Assert.Single(result.Errors, e => e.Field.StartsWith(field, StringComparison.Ordinal));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralBadFields_ReportsEachOne()
    {
        var result = WorkloadSpecParser.Parse("name: Web!\nreplicas: -1\nresources: { cpu: 0, memory: lots }\n");

        Assert.Equal(
            ["image", "name", "replicas", "resources.cpu", "resources.memory"],
            result.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_OversizedDocument_IsRefused()
    {
        var result = WorkloadSpecParser.Parse("name: web\nimage: localhost:5000/web:1\n#" + new string('x', WorkloadSpecParser.MaxLength));

        Assert.Contains("larger than", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TwoDocuments_IsRefused()
    {
        var result = WorkloadSpecParser.Parse("name: a\nimage: localhost:5000/a:1\n---\nname: b\nimage: localhost:5000/b:1\n");

        Assert.Contains("more than one YAML document", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateKey_IsRefused()
    {
        var result = WorkloadSpecParser.Parse("name: a\nimage: localhost:5000/a:1\nname: b\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("line 3", error.Field);
        Assert.Contains("Duplicate key", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
