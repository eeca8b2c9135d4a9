using WhatsAppBridge;
using WhatsAppBridge.Inbound;
using WhatsAppBridge.Threadline;

// appsettings.json sits beside the binary, wherever the bridge is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddWhatsAppBridge(builder.Configuration);

var app = builder.Build();
app.MapMetaWebhook();          // GET/POST /webhook: Meta -> bridge -> Threadline
app.MapThreadlineEvents();     // POST /threadline/events: Threadline -> bridge -> Graph API
app.MapGet("/healthz", () => Results.Text("ok"));
app.Run();
