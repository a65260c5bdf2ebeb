// Apps (such as PostgreSQL 17 with flash mode) in QEMU microVMs on your host: volumes and apps as Pulumi resources.
package lttle
