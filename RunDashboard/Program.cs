using RunDashboard;
using RunDashboard.Cluster;

// `migrate` copies the LiteDB database into PostgreSQL and exits; it never starts the web server.
if (args.Length > 0 && args[0] == MigrateCommand.Name) return MigrateCommand.Run(args[1..], Console.Out, Console.Error);

var app = DashboardApp.Build(args);
app.Run();
return 0;
