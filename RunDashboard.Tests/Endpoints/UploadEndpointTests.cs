using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

public class UploadEndpointTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    /// <summary>Settings of the server under test; a subclass runs every test again with other ones.</summary>
    protected virtual string[] ServerArguments => [];

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync(ServerArguments);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static MultipartFormDataContent Form(params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(content, "file", name);
        }
        return form;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpContent content)
    {
        var response = await _server.Client.PostAsync("/api/uploads", content);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body);
    }

    [Fact]
    public async Task Uploading_a_log_over_http_creates_a_run_with_a_link()
    {
        var form = Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log")));
        form.Add(new StringContent("smol"), "project");
        form.Add(new StringContent("SmolLM3 run 3"), "name");
        form.Add(new StringContent("lora, 3b"), "tags");

        var (status, body) = await PostAsync(form);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("mlx-lm", body.GetProperty("format").GetString());
        var run = Assert.Single(body.GetProperty("runs").EnumerateArray().ToList());
        Assert.Equal("SmolLM3 run 3", run.GetProperty("name").GetString());
        var id = run.GetProperty("id").GetString()!;
        Assert.Equal($"{_server.BaseUrl}/runs/{id}", run.GetProperty("url").GetString());
        Assert.Empty(body.GetProperty("problems").EnumerateArray());

        var page = await _server.Client.GetAsync($"/runs/{id}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("SmolLM3 run 3", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Lists_runs_with_their_metric_keys()
    {
        await PostAsync(Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"))));

        var runs = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/runs")).RootElement;

        var run = Assert.Single(runs.EnumerateArray().ToList());
        Assert.Equal("upload", run.GetProperty("source").GetString());
        Assert.Equal("finished", run.GetProperty("state").GetString());
        var metrics = run.GetProperty("metrics").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Contains("train/loss", metrics);
        Assert.Contains("eval/loss", metrics);
        Assert.Contains("train/learning_rate", metrics);
    }

    [Fact]
    public async Task Returns_one_run_with_hyperparameters_and_events()
    {
        var (_, body) = await PostAsync(Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"))));
        var id = body.GetProperty("runs")[0].GetProperty("id").GetString();

        var run = JsonDocument.Parse(await _server.Client.GetStringAsync($"/api/runs/{id}")).RootElement;

        Assert.Equal("1800", run.GetProperty("hyperparameters").GetProperty("iters").GetString());
        Assert.Equal(4, run.GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task Serves_a_series_as_json_and_as_csv()
    {
        var (_, body) = await PostAsync(Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"))));
        var id = body.GetProperty("runs")[0].GetProperty("id").GetString();

        var series = JsonDocument.Parse(await _server.Client.GetStringAsync($"/api/runs/{id}/series?key=eval/loss")).RootElement;
        Assert.Equal("eval/loss", series.GetProperty("key").GetString());
        Assert.Equal(10, series.GetProperty("steps").GetArrayLength());
        Assert.Equal(2.901, series.GetProperty("values")[0].GetDouble());

        var csv = await _server.Client.GetStringAsync($"/api/runs/{id}/series?key=eval/loss&format=csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("step,value", lines[0]);
        Assert.Equal("1,2.901", lines[1]);
        Assert.Equal(11, lines.Length);
    }

    [Fact]
    public async Task Unknown_run_or_key_is_a_404_problem()
    {
        var (_, body) = await PostAsync(Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"))));
        var id = body.GetProperty("runs")[0].GetProperty("id").GetString();

        var noRun = await _server.Client.GetAsync("/api/runs/doesnotexist");
        var noKey = await _server.Client.GetAsync($"/api/runs/{id}/series?key=train/nothing");

        Assert.Equal(HttpStatusCode.NotFound, noRun.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noKey.StatusCode);
        Assert.Equal("application/problem+json", noKey.Content.Headers.ContentType?.MediaType);
        Assert.Contains("train/nothing", await noKey.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("empty.log", "", "is empty")]
    [InlineData("blank.log", "\n\n   \n", "no text")]
    [InlineData("weights.bin", "\u0000\u0001\u0002binary\u0000\u0000", "binary")]
    [InlineData("notes.txt", "hello\nthis is not a training log\n", "no metric lines recognised")]
    public async Task Unusable_input_is_a_400_naming_the_file_and_stores_no_run(string fileName, string content, string expected)
    {
        var (status, body) = await PostAsync(Form((fileName, System.Text.Encoding.UTF8.GetBytes(content))));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var detail = body.GetProperty("detail").GetString()!;
        Assert.Contains(fileName, detail);
        Assert.Contains(expected, detail);
        var store = _server.Service<RunStore>();
        Assert.Equal(0, store.CountRuns());
        Assert.Equal(0, store.Database.GetCollection(RunStore.ChunksCollection).Count());
    }

    [Fact]
    public async Task A_request_without_a_file_field_says_how_to_send_one()
    {
        var form = new MultipartFormDataContent { { new StringContent("x"), "project" } };

        var (status, body) = await PostAsync(form);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'file'", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_good_and_a_bad_file_together_import_the_good_one_and_report_the_bad_one()
    {
        var (status, body) = await PostAsync(Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log")), ("junk.txt", "nothing here\n"u8.ToArray())));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Single(body.GetProperty("runs").EnumerateArray());
        var junk = body.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("file").GetString() == "junk.txt");
        Assert.Contains("no metric lines recognised", junk.GetProperty("error").GetString());
        Assert.Contains("most frequent line shapes", junk.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Problems_come_back_with_their_line_numbers()
    {
        var (status, body) = await PostAsync(Form(("problems.log", Fixture.Bytes("mlx_lm_problems.log"))));

        Assert.Equal(HttpStatusCode.Created, status);
        var lines = body.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("line").GetInt32()).ToList();
        Assert.Contains(7, lines);
        Assert.Contains(8, lines);
    }

    [Fact]
    public async Task The_answer_counts_lines_per_file_and_shows_the_shapes_the_generic_reader_used()
    {
        var log = "Namespace(lr=0.0005)\n" + string.Join("\n", Enumerable.Range(1, 6).Select(i => $"[rank0]: step {i * 10} | loss {3.0 - i * 0.1:0.00} | lr 1e-4")) + "\nsome prose without numbers\n";
        var (status, body) = await PostAsync(Form(("any.log", System.Text.Encoding.UTF8.GetBytes(log))));

        Assert.Equal(HttpStatusCode.Created, status);
        var file = body.GetProperty("files").EnumerateArray().Single();
        Assert.Equal(6, file.GetProperty("lines").GetProperty("points").GetInt64());
        Assert.Equal(2, file.GetProperty("lines").GetProperty("skipped").GetInt64());
        Assert.Equal(0, file.GetProperty("lines").GetProperty("problems").GetInt64());
        var template = file.GetProperty("templates").EnumerateArray().First();
        Assert.Contains("step 10 | loss 2.90", template.GetProperty("sample").GetString());
        Assert.Contains("train/loss", template.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
    }

    [Fact]
    public async Task Reading_hints_choose_the_step_and_rename_keys_and_are_remembered_for_the_project()
    {
        // Both counters rise; without a hint the reader takes "step" (the finer name), with one it takes "tokens".
        string Log(int offset) => string.Join("\n", Enumerable.Range(1, 5).Select(i => $"step {i + offset} | tokens {(i + offset) * 1000} | loss_cls {2.0 - i * 0.1:0.0}"));
        var form = Form(("hinted.log", System.Text.Encoding.UTF8.GetBytes(Log(0))));
        form.Add(new StringContent("hints"), "project");
        form.Add(new StringContent("tokens"), "step");
        form.Add(new StringContent("loss_cls=train/loss/cls"), "rename");
        var (status, body) = await PostAsync(form);
        Assert.Equal(HttpStatusCode.Created, status);
        var id = body.GetProperty("runs")[0].GetProperty("id").GetString();
        var series = JsonDocument.Parse(await _server.Client.GetStringAsync($"/api/runs/{id}/series?key=train/loss/cls")).RootElement;
        Assert.Equal([1000L, 2000, 3000, 4000, 5000], series.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()));

        // The next upload to the project, without hints, is read the same way.
        var again = Form(("next.log", System.Text.Encoding.UTF8.GetBytes(Log(10))));
        again.Add(new StringContent("hints"), "project");
        var (status2, body2) = await PostAsync(again);
        Assert.Equal(HttpStatusCode.Created, status2);
        var id2 = body2.GetProperty("runs")[0].GetProperty("id").GetString();
        var series2 = JsonDocument.Parse(await _server.Client.GetStringAsync($"/api/runs/{id2}/series?key=train/loss/cls")).RootElement;
        Assert.Equal(11000L, series2.GetProperty("steps")[0].GetInt64());

        var bad = Form(("bad.log", System.Text.Encoding.UTF8.GetBytes(Log(20))));
        bad.Add(new StringContent("loss_cls"), "rename");
        var (status3, body3) = await PostAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, status3);
        Assert.Contains("old=new", body3.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_zip_uploaded_over_http_becomes_a_run_per_folder()
    {
        var zip = ZipBuilder.Build(("a/train.log", Fixture.Bytes("mlx_lm_lora_run3.log")), ("b/trainer_state.json", Fixture.Bytes("trainer_state.json")));
        var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(content, "file", "outputs.zip");

        var (status, body) = await PostAsync(form);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["a", "b"], body.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()).Order());
        Assert.Contains("mlx-lm", body.GetProperty("format").GetString());
    }

    [Fact]
    public async Task Uploading_the_same_file_twice_answers_200_with_the_first_run()
    {
        var (_, first) = await PostAsync(Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"))));
        var (status, second) = await PostAsync(Form(("renamed.log", Fixture.Bytes("mlx_lm_lora_run3.log"))));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(first.GetProperty("runs")[0].GetProperty("id").GetString(), second.GetProperty("runs")[0].GetProperty("id").GetString());
        Assert.True(second.GetProperty("files")[0].GetProperty("duplicate").GetBoolean());
        Assert.Equal(1, _server.Service<RunStore>().CountRuns());
    }

    [Fact]
    public async Task Reimport_over_http_keeps_the_run_ids()
    {
        var (_, first) = await PostAsync(Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"))));
        var id = first.GetProperty("runs")[0].GetProperty("id").GetString();

        var response = await _server.Client.PostAsync("/api/uploads/reimport", null);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, body.GetProperty("runs")[0].GetProperty("id").GetString());
        var uploads = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/uploads")).RootElement;
        Assert.Equal("imported", uploads[0].GetProperty("status").GetString());
        var unknown = await _server.Client.PostAsync("/api/uploads/reimport", JsonContent.Create(new { uploads = new[] { "nope" } }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_database_file_is_created_at_the_configured_path()
    {
        Assert.True(File.Exists(_server.DatabasePath));
        await Task.CompletedTask;
    }
}
