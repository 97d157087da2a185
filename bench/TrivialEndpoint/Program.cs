// Baseline endpoint for bench/: answers "200 OK" with a 2-byte body on every path and method.
// Usage: TrivialEndpoint --urls http://127.0.0.1:5599
using System.Text;

var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
builder.WebHost.UseKestrelCore();
builder.Configuration.AddCommandLine(args);

var app = builder.Build();
byte[] body = Encoding.ASCII.GetBytes("ok");

app.Run(context =>
{
    context.Response.StatusCode = 200;
    context.Response.ContentType = "text/plain";
    context.Response.ContentLength = body.Length;
    return context.Response.Body.WriteAsync(body, 0, body.Length);
});

app.Run();
