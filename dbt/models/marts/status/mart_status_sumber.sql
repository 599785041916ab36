{#- One row per data slot (sistem x tabel x tahun x pengirim x periode): the file version the
    marts are built from, and the submissions rejected after it, i.e. since when the slot is stale.

    A slot is `basi` (stale) when a file sent after the version in use was rejected: the marts
    keep the previous version (one OPD's bad file never blocks the others), and this row says so.
    A slot that never had an accepted version is `belum_ada_data`. -#}
with

percobaan as (

    select
        kode_pemda,
        sistem,
        tabel,
        tahun,
        pengirim,
        coalesce(periode, 'tidak_diketahui') as periode,
        sha256,
        berkas,
        status,
        pesan,
        umpan_balik_path,
        baris_dimuat,
        baris_karantina,
        dimuat_pada
    from {{ ref('stg_meta__ingest_log') }}
    where tahun is not null and pengirim is not null

),

dimuat as (

    select
        *,
        row_number() over (
            partition by kode_pemda, sistem, tabel, tahun, pengirim, periode
            order by dimuat_pada desc, sha256 asc
        ) as urutan,
        count(*) over (
            partition by kode_pemda, sistem, tabel, tahun, pengirim, periode
        ) as jumlah_versi_dimuat
    from percobaan
    where status = 'dimuat'

),

berlaku as (

    select * from dimuat
    where urutan = 1

),

ditolak_sesudahnya as (

    select
        p.kode_pemda,
        p.sistem,
        p.tabel,
        p.tahun,
        p.pengirim,
        p.periode,
        p.sha256,
        p.berkas,
        p.pesan,
        p.umpan_balik_path,
        p.dimuat_pada,
        row_number() over (
            partition by p.kode_pemda, p.sistem, p.tabel, p.tahun, p.pengirim, p.periode
            order by p.dimuat_pada desc, p.sha256 asc
        ) as urutan,
        count(*) over (
            partition by p.kode_pemda, p.sistem, p.tabel, p.tahun, p.pengirim, p.periode
        ) as jumlah,
        min(p.dimuat_pada) over (
            partition by p.kode_pemda, p.sistem, p.tabel, p.tahun, p.pengirim, p.periode
        ) as pertama_pada
    from percobaan as p
    left join berlaku as b
        on
            p.kode_pemda = b.kode_pemda
            and p.sistem = b.sistem
            and p.tabel = b.tabel
            and p.tahun = b.tahun
            and p.pengirim = b.pengirim
            and p.periode = b.periode
    where
        p.status = 'ditolak'
        and (b.dimuat_pada is null or p.dimuat_pada > b.dimuat_pada)

),

slot as (

    select distinct
        kode_pemda,
        sistem,
        tabel,
        tahun,
        pengirim,
        periode
    from percobaan

),

final as (

    select
        s.kode_pemda,
        s.sistem,
        s.tabel,
        cast(s.tahun as integer) as tahun,
        s.pengirim,
        s.periode,
        case
            when b.sha256 is null then 'belum_ada_data'
            when d.sha256 is not null then 'basi'
            else 'terkini'
        end as status_slot,
        (b.sha256 is null or d.sha256 is not null) as is_basi,
        d.pertama_pada as basi_sejak,
        b.sha256 as sha256_berlaku,
        b.berkas as berkas_berlaku,
        b.dimuat_pada as dimuat_pada_berlaku,
        cast(b.baris_dimuat as bigint) as baris_dimuat_berlaku,
        cast(b.baris_karantina as bigint) as baris_karantina_berlaku,
        cast(coalesce(b.jumlah_versi_dimuat, 0) as bigint) as jumlah_versi_dimuat,
        cast(coalesce(d.jumlah, 0) as bigint) as jumlah_ditolak_sesudahnya,
        d.sha256 as sha256_ditolak_terakhir,
        d.berkas as berkas_ditolak_terakhir,
        d.dimuat_pada as ditolak_terakhir_pada,
        d.pesan as alasan_ditolak_terakhir,
        d.umpan_balik_path as umpan_balik_ditolak_terakhir
    from slot as s
    left join berlaku as b
        on
            s.kode_pemda = b.kode_pemda
            and s.sistem = b.sistem
            and s.tabel = b.tabel
            and s.tahun = b.tahun
            and s.pengirim = b.pengirim
            and s.periode = b.periode
    left join ditolak_sesudahnya as d
        on
            s.kode_pemda = d.kode_pemda
            and s.sistem = d.sistem
            and s.tabel = d.tabel
            and s.tahun = d.tahun
            and s.pengirim = d.pengirim
            and s.periode = d.periode
            and d.urutan = 1

)

select * from final
