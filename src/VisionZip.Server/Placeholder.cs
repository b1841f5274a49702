namespace VisionZip.Server;
