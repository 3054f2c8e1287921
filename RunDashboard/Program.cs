using RunDashboard;

var app = DashboardApp.Build(args);
app.Run();
